"""Number formats for zh-hans: Django's own leave NUMBER_GROUPING at 0, so `intcomma` printed
1001146 instead of 1,001,146. Mainland usage groups by thousands with a comma (GB/T 15835)."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
