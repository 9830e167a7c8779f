from django.contrib import admin
from django.db import models

from dailypapers.community.models import Organization


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ("slug", "name", "created_at")
    search_fields = ("slug", "name")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
