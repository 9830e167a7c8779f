"""RSS 2.0 and Atom feeds of every list a reader may follow.

Each feed mirrors a page and lives at that page's address plus ``/feed.rss`` or
``/feed.atom``: the daily list (the latest day, or a given day, week or month),
trending, a search (its query string is the feed), an organization, an author and a
public collection. Items are papers; an item's id is the paper's address on this hub,
so a reader polling a feed twice never shows the same paper twice.
"""
