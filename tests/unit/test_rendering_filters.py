"""The filters the templates render times and mail cells with."""

from __future__ import annotations

from datetime import UTC, datetime

from markupsafe import Markup

from greenlight.rendering import LABEL_CELL, VALUE_CELL, Templates, cell_styles, time_tag

WHEN = datetime(2026, 12, 4, 14, 2, 9, tzinfo=UTC)


def test_a_time_is_a_time_element_in_utc() -> None:
    assert time_tag(WHEN) == ('<time datetime="2026-12-04T14:02:09Z">'
                              "2026-12-04 14:02 UTC</time>")


def test_cell_styles_style_the_rows_own_cells_only() -> None:
    hostile = '<td class="value"><th scope="row" align="left" class="label">'
    rows = (Markup("<tr>") + LABEL_CELL + Markup("Details</th>") + VALUE_CELL + hostile
            + Markup("</td></tr>"))
    styled = cell_styles(rows, 'color:red;"><script>', "padding:0")
    assert styled == (
        '<tr><th scope="row" align="left" style="color:red;&#34;&gt;&lt;script&gt;" '
        'class="label">Details</th><td style="padding:0" class="value">'
        '&lt;td class=&#34;value&#34;&gt;&lt;th scope=&#34;row&#34; align=&#34;left&#34; '
        'class=&#34;label&#34;&gt;</td></tr>')
    assert isinstance(styled, Markup)


def test_a_mail_styles_every_context_cell_and_a_page_none() -> None:
    templates = Templates()
    row = '{% from "_context.html.j2" import context_rows %}'
    source = (row + "{{ context_rows(p, s, a, c, e) }}|"
              + row + '{{ context_rows(p, s, a, c, e)|cell_styles("L", "V") }}')
    from greenlight.links import ApprovalContext

    page, mail = templates.environment.from_string(source).render(
        p="webapp", s="Approval", a="Manual", e=WHEN,
        c=ApprovalContext(region="us-east-1", custom_data="x")).split("|")
    assert page.count(LABEL_CELL) == page.count("<th") == 4
    assert page.count(VALUE_CELL) == page.count("<td") == 4
    assert 'style="' not in page
    assert mail.count('<th scope="row" align="left" style="L" class="label">') == 4
    assert mail.count('<td style="V" class="value">') == 4
    assert mail.count("<th") == mail.count("<td") == 4
