from django.contrib import admin

from coding.models import Coding, Memo, Segment


class CodingInline(admin.TabularInline):
    model = Coding
    extra = 0
    raw_id_fields = ["code"]


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "transcript", "created_by", "created_at"]
    raw_id_fields = ["transcript"]
    readonly_fields = ["quote"]
    inlines = [CodingInline]


@admin.register(Memo)
class MemoAdmin(admin.ModelAdmin):
    list_display = ["__str__", "project", "author", "created_at"]
    raw_id_fields = ["case", "transcript", "code", "relation", "segment", "quotations", "codes"]
    readonly_fields = ["guid"]
