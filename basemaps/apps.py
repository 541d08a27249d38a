from django.apps import AppConfig


class BasemapsConfig(AppConfig):
    name = "basemaps"
    verbose_name = "แผนที่ฐาน (Basemaps)"
