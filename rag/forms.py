"""Forms of the knowledge-base admin pages (upload a document, try a query)."""

from __future__ import annotations

from django import forms
from django.conf import settings

from rag.extract import SUPPORTED_SUFFIXES

__all__ = ["DocumentUploadForm", "TryQueryForm", "MAX_UPLOAD_BYTES"]

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class DocumentUploadForm(forms.Form):
    file = forms.FileField(help_text="Markdown, plain text, HTML or PDF; up to 20 MB.")
    title = forms.CharField(required=False, max_length=300, help_text="Blank: from the file (front matter, first heading, <title>, or its name).")
    source = forms.CharField(
        required=False,
        max_length=500,
        help_text="Shown to the model as the passage's source, e.g. a help-centre URL. Blank: from the file, "
        "else upload:<file name>. Uploading again with the same source replaces that document.",
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        name = upload.name or ""
        suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
        if suffix not in SUPPORTED_SUFFIXES:
            raise forms.ValidationError(f"Unsupported file type {suffix or '(none)'}; use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}.")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB.")
        return upload


class TryQueryForm(forms.Form):
    query = forms.CharField(max_length=2000, widget=forms.TextInput(attrs={"size": 80, "autofocus": True}))
    top_k = forms.IntegerField(required=False, min_value=1, max_value=50, help_text=f"Blank: RAG_TOP_K ({settings.RAG_TOP_K}).")
    ignore_budget = forms.BooleanField(
        required=False,
        label="Ignore the latency budget",
        help_text="Wait up to 10 s instead of RAG_TIMEOUT_MS, to see what a slow store would have returned.",
    )
