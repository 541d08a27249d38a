from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Dataset


class DatasetForm(forms.ModelForm):
    """The metadata a manager edits; figures (extent, counts, dates) are not here, they
    are computed from the data."""

    keywords = forms.CharField(
        label=_("คำสำคัญ"), required=False, help_text=_("คั่นด้วยจุลภาค เช่น วัด, ท่องเที่ยว, temples"),
    )

    class Meta:
        model = Dataset
        fields = [
            "title_th", "title_en", "description_th", "description_en", "objective", "keywords",
            "maintainer", "maintainer_email", "telephone", "data_category", "licence", "update_frequency",
            "geo_coverage", "data_source", "data_language", "high_value", "geographic_data_set",
            "equivalent_scale", "positional_accuracy_m", "reference_period_start", "reference_period_end",
        ]
        widgets = {
            "description_th": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
            "data_source": forms.Textarea(attrs={"rows": 2}),
            "reference_period_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "reference_period_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["keywords"] = ", ".join(self.instance.keywords)

    def clean_keywords(self):
        words = [word.strip() for word in self.cleaned_data["keywords"].split(",")]
        return list(dict.fromkeys(word for word in words if word))
