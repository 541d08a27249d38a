from rest_framework.metadata import SimpleMetadata


class DescribeOnlyMetadata(SimpleMetadata):
    """OPTIONS names the view and its formats without a form of its fields: a feature's
    fields depend on its layer's schema (at layers/{id}/), and a view without a serializer
    must not fail."""

    def determine_actions(self, request, view):
        return {}
