"""How the Quality and cost section writes its figures (the same as its cards)."""

from django import template

from insights.quality import format_latency, format_price, format_rate, format_usd

register = template.Library()

register.filter("latency", format_latency)
register.filter("usd", format_usd)
register.filter("price", format_price)
register.filter("rate", format_rate)
