"""The dashboards' pages. Their ids in a URL are `<pk64:pk>`: ASCII digits that fit a 64-bit
primary key, so a longer number is a 404 at the URL, never an overflow in the database."""

from django.urls import register_converter


class Pk64Converter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(Pk64Converter, "pk64")
