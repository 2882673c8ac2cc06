from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from observatory.accounts import otp as otp_views
from observatory.accounts import views as account_views
from observatory.accounts.forms import LoginForm
from observatory.addresses import views as address_views
from observatory.api import api
from observatory.common import abuse
from observatory.complaints import urls as complaint_urls
from observatory.releases import views as release_views
from observatory.reports import account_views as resident_views
from observatory.reports import views as report_views
from observatory.web import maps, meetings
from observatory.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("privacy/", release_views.privacy, name="privacy"),
    path("map/labels.json", maps.labels, name="map-labels"),
    path("map/city.pmtiles", maps.pmtiles, name="map-pmtiles"),
    path("open-data/", include("observatory.releases.urls")),
    path("report/", report_views.report_new, name="report-new"),
    path("report/thanks/", report_views.report_thanks, name="report-thanks"),
    path("report/track/<str:token>/", report_views.report_track, name="report-track"),
    path("addresses/search", address_views.search, name="address-search"),
    path("challenge/", abuse.challenge_view, name="challenge"),
    path("meeting/", meetings.manage, name="meeting"),
    path("meeting/join/", meetings.join, name="meeting-join"),
    path("moderation/", report_views.moderation_queue, name="moderation-queue"),
    path("moderation/<uuid:report_id>/<slug:action>/", report_views.moderate, name="moderate"),
    path(
        "moderation/follow-ups/<int:follow_up_id>/<slug:action>/",
        report_views.moderate_follow_up,
        name="moderate-follow-up",
    ),
    path("me/reports/", report_views.my_reports, name="my-reports"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/register/", account_views.register, name="register"),
    path("accounts/me/", resident_views.my_account, name="my-account"),
    path("accounts/me/data.json", resident_views.my_data, name="my-data"),
    path("accounts/me/delete/", resident_views.delete_account, name="delete-account"),
    path("audit/", account_views.audit_log, name="audit-log"),
    path("accounts/otp/setup/", otp_views.setup, name="otp-setup"),
    path("accounts/otp/verify/", otp_views.verify, name="otp-verify"),
    path("accounts/unlock/", otp_views.unlock, name="otp-unlock"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("open311/v2/", include("observatory.open311.urls")),
    path("analysis/", include("observatory.analysis.urls")),
    path("fieldwork/", include("observatory.fieldwork.urls")),
    path("consultations/", include("observatory.consultation.urls")),
    path("simulation/", include("observatory.simulation.urls")),
    path("siting/", include("observatory.siting.urls")),
    path("panel/", include("observatory.panel.urls")),
    path("photos/", include("observatory.photos.urls")),
    path("jobs/", include("observatory.jobs.urls")),
    path("", include("observatory.subscriptions.urls")),
    path(
        "complaints/",
        include(
            (
                [
                    *complaint_urls.urlpatterns,
                    path("released/", release_views.complaints_released, name="released"),
                ],
                complaint_urls.app_name,
            )
        ),
    ),
    path("bulletins/", include("observatory.bulletins.urls")),
    path("alerts/", include("observatory.alerts.urls")),
    path("admin/", admin.site.urls),
]

# Error pages in the visitor's language and the site's layout (common/errors.py).
handler400 = "observatory.common.errors.bad_request"
handler403 = "observatory.common.errors.permission_denied"
handler404 = "observatory.common.errors.page_not_found"
handler500 = "observatory.common.errors.server_error"
