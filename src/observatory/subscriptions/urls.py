from django.urls import path

from observatory.subscriptions import views
from observatory.subscriptions.feeds import AreaFeed

feed = AreaFeed()

urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/confirm/<str:token>/", views.confirm, name="subscribe-confirm"),
    path("subscribe/stop/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("feed/", feed, name="feed-city"),
    path("feed/<slug:level>/<str:code>/", feed, name="feed-area"),
    path("me/notices/", views.notices, name="report-notices"),
    path("me/notices/confirm/<str:token>/", views.notice_confirm, name="report-notices-confirm"),
]
