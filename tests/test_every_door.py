"""Every URL of the platform is checked for who may use it: this walks the whole URL
configuration, so a new page or endpoint that no permission test covers fails here."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import client_for
from tests.layers.test_permissions import CAN_SEE, MATRIX, NOT_ABOUT_A_LAYER, ROLES

# Where each door is checked role by role (beyond the /api/v1/ matrix).
CHECKED_ELSEWHERE = {
    "ogc-landing": "no layer data",
    "ogc-api": "no layer data",
    "ogc-conformance": "no layer data",
    "ogc-collections": "tests/layers/test_ogc.py::test_collections_are_the_layers_the_user_may_see",
    "ogc-collection": "tests/layers/test_ogc.py::test_every_collection_endpoint_answers_each_role_by_access_level",
    "ogc-queryables": "tests/layers/test_ogc.py::test_every_collection_endpoint_answers_each_role_by_access_level",
    "ogc-items": "tests/layers/test_ogc.py::test_every_collection_endpoint_answers_each_role_by_access_level",
    "ogc-item": "tests/layers/test_ogc.py::test_every_collection_endpoint_answers_each_role_by_access_level",
    "tile": "tests/layers/test_tiles.py::test_tiles_answer_each_role_by_access_level",
    "tilejson": "test_tilejson_answers_each_role_by_access_level below",
    "home": "lists municipalities and counts only visible layers (gis_portal.views.home)",
    "municipality-map": "tests/web/test_map.py (the page reads layers from the API)",
    "showcase": "tests/gis_portal/test_views.py::test_the_showcase_hides_internal_layers_even_from_members",
    "showcase-item": "tests/gis_portal/test_views.py::test_the_showcase_hides_internal_layers_even_from_members",
    "login": "tests/gis_portal/test_accounts.py",
    "logout": "tests/gis_portal/test_accounts.py",
    "two-factor": "tests/gis_portal/test_accounts.py (signed-in users, their own device only)",
    "admin/login/": "a redirect to login",
    "password_reset": "tests/gis_portal/test_accounts.py::test_password_reset_says_the_same_whether_or_not_the_account_exists",
    "password_reset_done": "no data",
    "password_reset_confirm": "a signed token for one account",
    "password_reset_complete": "no data",
    "import-upload": "tests/importers/test_wizard.py::test_only_editors_of_the_municipality_import",
    "import-confirm": "tests/importers/test_wizard.py::test_a_job_is_its_uploaders_alone",
    "import-status": "tests/importers/test_wizard.py::test_a_job_is_its_uploaders_alone",
    "dashboard-list": "tests/dashboards/test_views.py::test_anonymous_and_strangers_get_no_dashboard",
    "dashboard-view": "tests/dashboards/test_views.py::test_members_see_the_dashboard_read_only",
    "dashboard-build": "tests/dashboards/test_views.py::test_only_managers_build",
    "dashboard-create": "tests/dashboards/test_views.py::test_only_managers_build",
    "dashboard-widget-delete": "tests/dashboards/test_views.py::test_managers_delete_widgets",
    "dashboard-widget-data": "tests/dashboards/test_api.py::test_widget_data_for_every_role",
    "dashboard-widget-csv": "tests/dashboards/test_api.py::test_csv_export_writes_rows_and_suppressed_cells",
    "dashboard-widget-features": "tests/dashboards/test_api.py::test_features_behind_a_bar_but_never_restricted_records",
    "dashboard-rollup": "tests/dashboards/test_api.py::test_rollup_is_for_platform_admins",
    "dashboard-rollup-page": "tests/dashboards/test_views.py::test_rollup_page_is_for_platform_admins",
    "imagery-list": "tests/basemaps/test_imagery.py::test_only_the_municipalitys_managers_upload_and_manage_imagery",
    "imagery-detail": "tests/basemaps/test_imagery.py::test_only_the_municipalitys_managers_upload_and_manage_imagery",
    "imagery-tile": "tests/basemaps/test_imagery.py::test_internal_imagery_is_for_members_and_public_imagery_for_everyone",
    "editor": "tests/editor/test_views.py (editors only; viewers 403, others 404; writes go through the API)",
    "catalogue": "tests/catalogue/test_views.py::test_the_catalogue_lists_the_datasets_the_reader_may_see",
    "dataset": "tests/catalogue/test_views.py::test_a_dataset_page_answers_each_role_by_access_level",
    "dataset-edit": "tests/catalogue/test_views.py::test_only_managers_who_may_see_the_layer_edit_its_metadata",
    "dataset-dcat": "tests/catalogue/test_views.py::test_machine_readable_records_exist_for_public_datasets_only_whoever_asks",
    "dataset-iso": "tests/catalogue/test_views.py::test_machine_readable_records_exist_for_public_datasets_only_whoever_asks",
    "catalogue-dcat": "tests/catalogue/test_views.py::test_the_harvestable_catalogue_is_the_same_public_list_for_every_role",
    "ckan-action": "tests/catalogue/test_views.py::test_the_harvestable_catalogue_is_the_same_public_list_for_every_role",
    "ckan-action-unversioned": "tests/catalogue/test_views.py::test_the_harvestable_catalogue_is_the_same_public_list_for_every_role",
    "set_language": "no data",
    "javascript-catalog": "no data",
}


def every_url_name():
    names = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue  # staff only: test_the_admin_is_for_platform_admins_only
                walk(pattern.url_patterns, pattern.namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(pattern.name)
            elif isinstance(pattern, URLPattern):
                names.add(str(pattern.pattern))

    walk(get_resolver().url_patterns)
    return names


def test_every_url_of_the_platform_is_checked_for_each_role():
    covered = set(MATRIX) | NOT_ABOUT_A_LAYER | set(CHECKED_ELSEWHERE)
    assert every_url_name() - covered == set()


@pytest.mark.parametrize("role", ROLES)
def test_tilejson_answers_each_role_by_access_level(world, role):
    client = client_for(None if role == "anonymous" else getattr(world, role))
    for access, layer in (("public", world.roads), ("internal", world.drains), ("restricted", world.welfare)):
        response = client.get(reverse("tilejson", args=[layer.pk]))
        assert response.status_code == (200 if role in CAN_SEE[access] else 404), (role, access)


@pytest.mark.parametrize("role", ["viewer", "colleague", "owner", "health", "stranger"])
def test_the_admin_is_for_platform_admins_only(world, role):
    client = client_for(getattr(world, role))
    client.force_login(getattr(world, role))
    for path in ("/admin/", "/admin/layers/feature/", f"/admin/layers/feature/{world.case.pk}/change/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"], (role, path)
    admin = client_for(world.admin)
    admin.force_login(world.admin)
    assert admin.get("/admin/layers/feature/").status_code == 200
