from django.apps import AppConfig


class PhotosConfig(AppConfig):
    name = "observatory.photos"
    label = "photos"
