"""Code and project links found in real abstracts (read from /work/shared/data)."""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest

from dailypapers.core import links
from tests.support.shared import SHARED_DATA

HF = SHARED_DATA / "hf-daily-papers"


@functools.cache
def _abstracts() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted((HF / "api-2026-03_2026-08").glob("*.json")):
        for entry in json.loads(path.read_text()):
            found[entry["paper"]["id"]] = entry["paper"]["summary"]
    explorer: dict[str, Any] = json.loads((HF / "paperexplorer-2023-11_2024-04.json").read_text())
    for key, value in explorer.items():
        found.setdefault(key, value["abstract"])
    return found


def abstract(arxiv_id: str) -> str:
    return _abstracts()[arxiv_id]


@pytest.mark.parametrize(
    ("arxiv_id", "written", "code", "project"),
    [
        # "Code link: https://github.com/OpenDCAI/OpenWorldLib" ends the abstract.
        ("2604.04707", "OpenDCAI/OpenWorldLib", "https://github.com/OpenDCAI/OpenWorldLib", ""),
        # Sentence-final period and comma are not part of the URL.
        ("2603.28610", "ResAdapt.", "https://github.com/Xnhyacinth/ResAdapt", ""),
        (
            "2604.14084",
            "OnPolicyDistillation,",
            "https://github.com/HJSang/OPSD_OnPolicyDistillation",
            "",
        ),
        # "(https://github.com/modelscope/facechain)." in parentheses.
        ("2403.06775", "(https://github.com/", "https://github.com/modelscope/facechain", ""),
        # LaTeX: \url{...} and a \href{url}{text} flattened to "url{text}".
        (
            "2402.06332",
            "\\url{https://github.com/",
            "https://github.com/InternLM/InternLM-Math",
            "",
        ),
        (
            "2604.18518",
            "UDM-GRPO{https://github.com/Yovecent/UDM-GRPO}.",
            "https://github.com/Yovecent/UDM-GRPO",
            "",
        ),
        # A link into a repository names the repository.
        (
            "2604.06182",
            "/tree/VenusBench-Mobile.",
            "https://github.com/inclusionAI/UI-Venus",
            "",
        ),
        # Without a scheme.
        (
            "2403.10131",
            "\ngithub.com/ShishirPatil/gorilla.",
            "https://github.com/ShishirPatil/gorilla",
            "",
        ),
        ("2604.01001", " egosimulator.github.io.", "", "https://egosimulator.github.io"),
        # The project page is the first page mentioned, with or without a scheme.
        (
            "2402.07872",
            "pivot-prompt.github.io",
            "",
            "https://pivot-prompt.github.io",
        ),
        ("2312.17653", "github.io/LARP/.", "", "https://miao-ai-lab.github.io/LARP/"),
        # Glued to the word before it.
        ("2604.21300", "onlinehttps://github.com/", "https://github.com/hieum98/avae", ""),
        # A data set on the hub is neither code nor the project page.
        (
            "2402.07625",
            "huggingface.co/datasets/",
            "https://github.com/yifanzhang-pro/AutoMathText",
            "",
        ),
        ("2605.18601", "huggingface.co/datasets/", "", ""),
        # A licence comes first, the lab page later; the licence is skipped.
        (
            "2606.02800",
            "openmdw.ai/license",
            "https://github.com/nvidia/cosmos",
            "https://research.nvidia.com/labs/cosmos-lab/cosmos3",
        ),
        # An organization on GitHub is not a repository, nor a project page.
        ("2604.26904", "https://github.com/ClawGym.", "", ""),
        # A video is not a project page.
        ("2403.04116", "youtube.com/watch", "https://github.com/caiyuanhao1998/X-Gaussian", ""),
    ],
)
def test_links_in_real_abstracts(arxiv_id: str, written: str, code: str, project: str) -> None:
    text = abstract(arxiv_id)
    assert written in text  # the case this row is about is really in the data
    assert links.extract(text) == (code, project)


def test_abstract_without_links() -> None:
    text = abstract("2403.06634") if "2403.06634" in _abstracts() else "No links at all."
    assert "http" not in text
    assert links.extract(text) == ("", "")
    assert links.extract("") == ("", "")


def test_comments_are_searched_after_the_abstract() -> None:
    code, project = links.extract(
        "We study things.", "Project page: https://example.org/paper (code at gitlab.com/a/b)."
    )
    assert (code, project) == ("https://gitlab.com/a/b", "https://example.org/paper")


@pytest.mark.parametrize(
    ("text", "code", "project"),
    [
        (
            "See https://en.wikipedia.org/wiki/Foo_(bar).",
            "",
            "https://en.wikipedia.org/wiki/Foo_(bar)",
        ),
        ("[code](https://github.com/a/b)", "https://github.com/a/b", ""),
        ("HTTPS://GITHUB.COM/Owner/Repo.git;", "https://github.com/Owner/Repo", ""),
        ("https://github.com/topics/llm", "", ""),
        ("see https://arxiv.org/abs/2403.06634 and https://doi.org/10.1/x", "", ""),
        ("demo at https://huggingface.co/spaces/a/b!", "", "https://huggingface.co/spaces/a/b"),
        ("mail me@lab.github.io", "", ""),
        ('"https://example.org/a"', "", "https://example.org/a"),
    ],
)
def test_edge_cases(text: str, code: str, project: str) -> None:
    assert links.extract(text) == (code, project)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://github.com/OpenDCAI/OpenWorldLib", "https://github.com/OpenDCAI/OpenWorldLib"),
        ("http://www.github.com/a/b/tree/main/src", "https://github.com/a/b"),
        ("https://GitLab.com/group/project.git", "https://gitlab.com/group/project"),
        ("https://bitbucket.org/a/b", "https://bitbucket.org/a/b"),
        ("https://github.com/a", None),
        ("https://github.com/features/copilot", None),
        ("https://github.com/a/..", None),
        ("https://example.org/a/b", None),
        ("https://github.com/a/" + "b" * 600, None),
    ],
)
def test_code_url(url: str, canonical: str | None) -> None:
    assert links.code_url(url) == canonical


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://github.com/a/b", "https://github.com/a/b"),
        ("  http://example.org:8080/x?y=1#z ", "http://example.org:8080/x?y=1#z"),
        ("https://例子.测试/页面", "https://例子.测试/页面"),
        ("javascript:alert(1)", ""),
        ("JaVaScRiPt://github.com/%0aalert(1)", ""),
        ("data:text/html,<script>x</script>", ""),
        ("//evil.example/x", ""),
        ("/relative/path", ""),
        ("https://user:pw@evil.example/", ""),
        ("https://exa mple.org", ""),
        ("https://example.org/\x00", ""),
        ("https://example.org/\u202e", ""),
        ("ftp://example.org/file", ""),
        ("https://", ""),
        ("https://" + "a" * 1000 + ".org", ""),
        (None, ""),
        (42, ""),
    ],
)
def test_safe_url_keeps_only_http_links(value: object, expected: str) -> None:
    assert links.safe_url(value) == expected
