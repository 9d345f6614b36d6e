"""Browser pages through Django's test client: who may see what, what the pages show, and query budgets
that do not grow with the number of consortia, partners or models."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from common.roles import Role
from consortia.models import Consortium, FoundationModel, Organization, Partnership

pytestmark = pytest.mark.django_db

PAGES = ["/", "/consortia/", "/consortia/organizations/"]


@pytest.fixture
def member(make_user, kai_program):
    return make_user(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG")


@pytest.fixture
def staff_client(client, make_user, kai_program):
    client.force_login(make_user(Role.MINISTRY_STAFF))
    return client


def _detail_url(code: str) -> str:
    return f"/consortia/{Consortium.objects.get(code=code).pk}/"


def _text(response) -> str:
    return response.content.decode()


def _phase_block(body: str, code: str) -> str:
    """The timeline entry of one phase: from its id to the next phase (or the end of the timeline)."""
    start = body.index(f'id="phase-{code}"')
    ends = [i for i in (body.find('id="phase-', start + 1), body.find("</ol>", start)) if i != -1]
    return body[start : min(ends)]


def _add_synthetic_consortia(program, count: int = 5, partners: int = 6, models: int = 3) -> None:
    """More teams, partners and models than the real program, to show that query counts stay flat."""
    for i in range(count):
        lead = Organization.objects.create(
            name_ko=f"합성 주관 {i}", name_en=f"Synthetic Lead {i}", kind="company"
        )
        team = Consortium.objects.create(
            program=program,
            code=f"SYN{i}",
            name=f"합성 컨소시엄 {i}",
            lead=lead,
            joined_on=dt.date(2025, 8, 4),
        )
        Partnership.objects.create(consortium=team, organization=lead, role="lead", joined_on=team.joined_on)
        for j in range(partners):
            org = Organization.objects.create(
                name_ko=f"합성 기관 {i}-{j}",
                name_en=f"Synthetic Org {i}-{j}",
                kind=["startup", "university"][j % 2],
            )
            Partnership.objects.create(
                consortium=team, organization=org, joined_on=dt.date(2025, 9, 1) + dt.timedelta(days=j)
            )
        for k in range(models):
            FoundationModel.objects.create(consortium=team, name=f"Syn {k}", total_parameters=10**9 * (k + 1))


# --- Access ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES + ["/consortia/1/"])
def test_anonymous_visitor_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("path", PAGES)
def test_signed_in_user_without_a_portal_role_gets_403_like_the_api(client, make_user, kai_program, path):
    client.force_login(make_user(None))
    response = client.get(path)
    assert response.status_code == 403
    assert "접근 권한 없음" in _text(response)
    assert client.get("/api/v1/consortia/").status_code == 403


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_dashboard_and_registry(client, make_user, kai_program, role):
    client.force_login(make_user(role))
    for path in PAGES + [_detail_url("NAVER")]:
        assert client.get(path).status_code == 200, path


def test_superuser_without_role_is_treated_as_ministry_staff(client, kai_program):
    admin = get_user_model().objects.create_superuser(username="root", password="x" * 20)
    client.force_login(admin)
    body = _text(client.get("/"))
    assert "관리자" in body  # shown as administrator
    assert client.get("/consortia/").status_code == 200


def test_unknown_consortium_is_a_translated_404(staff_client):
    response = staff_client.get("/consortia/999999/")
    assert response.status_code == 404
    assert "페이지를 찾을 수 없습니다" in _text(response)


def test_pages_only_accept_get(staff_client):
    assert staff_client.post("/").status_code == 405
    assert staff_client.post("/consortia/").status_code == 405


# --- Layout, language, CSP ---------------------------------------------------------------------------


def test_layout_has_skip_link_nav_language_switch_and_footer(staff_client):
    body = _text(staff_client.get("/consortia/"))
    assert '<a class="skip-link" href="#main">본문 바로가기</a>' in body
    assert '<main id="main"' in body
    assert re.search(r'<a href="/consortia/" aria-current="page">컨소시엄</a>', body)
    assert '<form action="/i18n/setlang/" method="post"' in body
    assert body.count('name="csrfmiddlewaretoken"') == 2  # language switch and log out
    assert '<footer class="site-footer">' in body
    assert 'href="/admin/"' not in body  # not is_staff


def test_nav_links_only_to_pages_that_exist(staff_client):
    body = _text(staff_client.get("/"))
    nav = re.search(r'<nav class="main-nav".*?</nav>', body, re.S).group(0)
    for href in re.findall(r'href="([^"]+)"', nav):
        assert staff_client.get(href).status_code == 200, href


def test_role_label_is_shown_in_korean_and_english(client, make_user, kai_program):
    client.force_login(make_user(Role.EVALUATOR))
    assert '<span class="tag role">평가위원</span>' in _text(client.get("/"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = _text(client.get("/"))
    assert '<html lang="en">' in body
    assert '<span class="tag role">Evaluator</span>' in body
    assert "Program timeline" in body


def test_language_switch_redirects_back_to_the_page(staff_client):
    response = staff_client.post("/i18n/setlang/", {"language": "en", "next": "/consortia/?status=active"})
    assert response.status_code == 302
    assert response["Location"] == "/consortia/?status=active"


@pytest.mark.parametrize("path", PAGES + ["/login/"])
def test_pages_have_no_inline_script_or_style(client, make_user, kai_program, path):
    if path != "/login/":
        client.force_login(make_user(Role.AUDITOR, organization="Board of Audit and Inspection"))
    body = _text(client.get(path))
    assert " style=" not in body and "<style" not in body
    for tag in re.findall(r"<script[^>]*>", body):
        assert ' src="/static/' in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"<[^>]+\son[a-z]+=", body), "inline event handler"


def test_csp_header_forbids_inline_scripts_and_styles(staff_client):
    csp = staff_client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_vendored_scripts_are_served_locally_with_licences(staff_client):
    body = _text(staff_client.get("/"))
    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in body
    assert '<script src="/static/vendor/chartjs/chart.umd.min.js" defer></script>' in body
    assert "https://" not in "".join(re.findall(r"<(?:script|link)[^>]*>", body))
    from django.contrib.staticfiles import finders

    for path in ("vendor/htmx/LICENSE", "vendor/chartjs/LICENSE.md", "js/portal.js", "css/portal.css"):
        assert finders.find(path), path


def test_error_templates_render_in_korean(rf):
    from django.template.loader import render_to_string

    with translation.override("ko"):
        assert "서버 오류" in render_to_string("500.html")
        assert "양식이 만료되었습니다" in render_to_string("403_csrf.html")


# --- Login form --------------------------------------------------------------------------------------


def test_wrong_password_shows_error_summary_and_keeps_username(client, make_user, kai_program):
    user = make_user(Role.AUDITOR, organization="Board of Audit and Inspection")
    response = client.post("/login/", {"username": user.username, "password": "wrong"})
    body = _text(response)
    assert response.status_code == 200
    assert 'class="error-summary" role="alert"' in body and "문제가 있습니다" in body
    assert f'value="{user.username}"' in body
    assert "autofocus" in re.search(r'<div class="error-summary"[^>]*>', body).group(0)


def test_empty_login_links_each_error_to_its_field(client):
    body = _text(client.post("/login/", {"username": "", "password": ""}))
    assert '<a href="#id_username">' in body and '<a href="#id_password">' in body
    assert 'aria-invalid="true" aria-describedby="id_username-error"' in body


def test_login_with_the_real_form_reaches_the_dashboard(client, make_user, kai_program):
    user = make_user(Role.EVALUATOR)
    response = client.post("/login/", {"username": user.username, "password": "not-a-real-password-1234"})
    assert response.status_code == 302 and response["Location"] == "/"


# --- Dashboard ---------------------------------------------------------------------------------------


def test_dashboard_shows_program_header_and_counts(staff_client):
    body = _text(staff_client.get("/"))
    assert "<h1" in body and "독자 AI 파운데이션 모델 프로젝트" in body
    assert "2025-08-04 – 2027-06-30" in body
    assert "최신 글로벌 프런티어 모델 대비 95%" in body
    assert "활성 4개 팀" in body and "이탈 2개 팀" in body
    assert re.search(r'현재 단계</dt>\s*<dd><a href="#phase-P2">2차 단계평가</a>', body)


def test_dashboard_timeline_lists_phases_in_order_with_dates_and_team_flow(staff_client):
    body = _text(staff_client.get("/"))
    names = re.findall(r'<span class="phase-name">([^<]+)</span>', body)
    assert names == [
        "정예팀 선정평가 (Elite-team selection)",
        "1차 단계평가",
        "추가 정예팀 공모",
        "2차 단계평가",
        "최종 평가 (K-AI 정예팀 2곳)",
    ]
    p1 = _phase_block(body, "P1")
    for date in ("2025-08-04", "2025-12-30", "2026-01-05", "2026-01-15"):
        assert date in p1
    assert "5 → 4" in p1
    assert re.search(
        r'chip--left"><a href="[^"]+">네이버클라우드 컨소시엄</a>\s*<span class="chip-outcome">탈락', p1
    )
    assert re.search(r'chip--advanced"><a href="[^"]+">LG AI연구원 컨소시엄</a>', p1)
    p2 = _phase_block(body, "P2")
    assert "is-current" in re.search(r'<li class="[^"]*" id="phase-P2">', body).group(0)
    assert p2.count("chip--competing") == 4 and "모티프테크놀로지스 컨소시엄" in p2
    assert '<span class="tag illustrative"' in p2  # P2 dates are illustrative
    final = _phase_block(body, "P3")
    assert "이 단계의 참여 팀은 이전 단계 결과로 정해집니다." in final and "chip" not in final


def test_dashboard_chart_data_is_a_json_block_matching_the_phases(staff_client):
    body = _text(staff_client.get("/"))
    raw = re.search(r'<script id="teams-chart" type="application/json">(.*?)</script>', body, re.S).group(1)
    chart = json.loads(raw)
    assert chart["labels"][1] == "1차 단계평가"
    assert [s["data"] for s in chart["datasets"]] == [
        [15, 5, 2, 4, 3],
        [5, 4, 1, 3, 2],
        [5, 3, 1, None, None],
    ]
    assert chart["datasets"][0]["label"] == "참여 팀 수"
    assert 'data-chart="teams-chart"' in body


def test_dashboard_status_table_shows_departures_with_phase_and_reason(staff_client):
    body = _text(staff_client.get("/"))
    table = re.search(r'id="status-title".*?</table>', body, re.S).group(0)
    row = re.search(r"<tr>\s*<th scope=\"row\"><a[^>]*>NC AI 컨소시엄</a>.*?</tr>", table, re.S).group(0)
    assert "탈락" in row and "2026-01-15" in row and "1차 단계평가" in row and "Lowest total score" in row
    assert table.count("badge--active") == 4 and table.count("badge--eliminated") == 2
    assert "추가 선정" in table  # Motif's wildcard tag


def test_dashboard_shows_a_member_their_own_team_only_to_members(client, member, make_user):
    client.force_login(member)
    assert re.search(
        r'<h2 id="your-team-title">소속 팀</h2>\s*<p><a href="[^"]+">LG AI연구원 컨소시엄</a>',
        _text(client.get("/")),
    )
    client.force_login(make_user(Role.AUDITOR, organization="Board of Audit and Inspection"))
    assert "your-team-title" not in _text(client.get("/"))


def test_dashboard_without_program_explains_how_to_load_it(client, make_user):
    Organization.objects.create(
        name_ko="과학기술정보통신부", name_en="Ministry of Science and ICT", kind="public_body"
    )
    client.force_login(make_user(Role.MINISTRY_STAFF))
    body = _text(client.get("/"))
    assert "manage.py load_kai_program" in body and "teams-chart" not in body


def test_dashboard_renders_no_wave2_placeholders(staff_client):
    body = _text(staff_client.get("/"))
    for word in ("coming soon", "준비 중인 기능", "placeholder", "lorem"):
        assert word.lower() not in body.lower()


# --- Consortia list ----------------------------------------------------------------------------------


def _listed(response) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/consortia/\d+/">([^<]+)</a>', _text(response))


def test_list_shows_every_team_with_lead_status_counts_and_tags(staff_client):
    response = staff_client.get("/consortia/")
    body = _text(response)
    assert _listed(response) == [
        "LG AI연구원 컨소시엄",
        "SK텔레콤 컨소시엄",
        "업스테이지 컨소시엄",
        "모티프테크놀로지스 컨소시엄",
        "네이버클라우드 컨소시엄",
        "NC AI 컨소시엄",
    ]
    motif = re.search(r"모티프테크놀로지스 컨소시엄</a>.*?</tr>", body, re.S).group(0)
    assert "추가 선정" in motif and "<td>모티프테크놀로지스</td>" in motif
    assert re.findall(r'<td class="num">(\d+)</td>', motif) == ["16", "2"]
    lg = re.search(r"LG AI연구원 컨소시엄</a>.*?</tr>", body, re.S).group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', lg) == ["10", "1"]
    naver = re.search(r"네이버클라우드 컨소시엄</a>.*?</tr>", body, re.S).group(0)
    assert "badge--eliminated" in naver and "(1차 단계평가)" in naver
    assert "컨소시엄 6개" in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=eliminated", ["네이버클라우드 컨소시엄", "NC AI 컨소시엄"]),
        (
            "?status=active&status=withdrawn",
            [
                "LG AI연구원 컨소시엄",
                "SK텔레콤 컨소시엄",
                "업스테이지 컨소시엄",
                "모티프테크놀로지스 컨소시엄",
            ],
        ),
        ("?q=업스테이지", ["업스테이지 컨소시엄"]),
        ("?q=naver", ["네이버클라우드 컨소시엄"]),  # the lead's English name
        ("?is_wildcard=true", ["모티프테크놀로지스 컨소시엄"]),
        ("?q=컨소시엄&status=eliminated&is_wildcard=false", ["네이버클라우드 컨소시엄", "NC AI 컨소시엄"]),
        ("?q=nothing-matches", []),
        ("?program=999&ordering=-code", None),  # API-only parameters are ignored here
    ],
)
def test_list_filters_with_the_shared_filterset(staff_client, query, expected):
    response = staff_client.get(f"/consortia/{query}")
    assert response.status_code == 200
    if expected is None:
        assert len(_listed(response)) == 6
    else:
        assert _listed(response) == expected
    if expected == []:
        assert "조건에 맞는 컨소시엄이 없습니다." in _text(response)


def test_list_keeps_the_filters_in_the_form(staff_client):
    body = _text(staff_client.get("/consortia/?q=LG&status=active&is_wildcard=false"))
    assert 'name="q" value="LG"' in body
    assert 'value="active" checked' in body and 'value="eliminated" checked' not in body
    assert '<option value="false" selected>' in body
    assert 'href="/consortia/">조건 초기화</a>' in body


def test_list_rejects_an_unknown_status_with_an_error_summary(staff_client):
    response = staff_client.get("/consortia/?status=bogus")
    body = _text(response)
    assert response.status_code == 200
    assert 'class="error-summary" role="alert"' in body and "bogus" in body
    assert len(_listed(response)) == 6


def test_list_answers_htmx_with_the_results_fragment_only(staff_client):
    response = staff_client.get("/consortia/?status=eliminated", HTTP_HX_REQUEST="true")
    body = _text(response)
    assert "<html" not in body and "<form" not in body
    assert _listed(response) == ["네이버클라우드 컨소시엄", "NC AI 컨소시엄"]
    assert (
        '<p id="result-count" class="result-count" role="status" hx-swap-oob="true">컨소시엄 2개</p>' in body
    )
    assert "HX-Request" in response["Vary"]
    full = staff_client.get("/consortia/?status=eliminated")
    assert "HX-Request" in full["Vary"] and 'hx-target="#consortium-results"' in _text(full)
    restore = staff_client.get(
        "/consortia/?status=eliminated", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in _text(restore) and "HX-History-Restore-Request" in restore["Vary"]


def test_list_marks_a_members_own_team(client, member):
    client.force_login(member)
    body = _text(client.get("/consortia/"))
    assert body.count('<span class="tag own">소속 팀</span>') == 1
    lg = re.search(r"LG AI연구원 컨소시엄</a>.*?</tr>", body, re.S).group(0)
    assert "tag own" in lg


# --- Consortium detail -------------------------------------------------------------------------------


def test_detail_groups_partners_by_kind_after_the_lead(staff_client):
    body = _text(staff_client.get(_detail_url("UPSTAGE")))
    # The members section only: staff also see the "record a change" section with its own headings.
    members = re.search(r'id="partners-title".*?</section>', body, re.S).group(0)
    headings = re.findall(r"<h3[^>]*>([^<]+?)(?: <span|</h3>)", members)
    assert headings == ["주관기관", "기업", "스타트업", "대학", "공공기관"]
    assert (
        '<p class="lead-org">업스테이지 <span class="other-name" lang="en">Upstage</span> '
        '<span class="muted">· 스타트업</span>' in body
    )
    universities = re.search(r'id="kind-university".*?</table>', body, re.S).group(0)
    assert "스탠퍼드대학교" in universities and "(US)" in universities and "2026-01-15" in universities


def test_detail_shows_models_with_formatted_sizes_modalities_and_tags(staff_client):
    body = _text(staff_client.get(_detail_url("MOTIF")))
    models = re.search(r'id="models-title".*?</table>', body, re.S).group(0)
    assert "300B" in models and "12.7B" in models
    assert '<span class="tag planned">계획</span>' in models
    assert models.count("<td>텍스트</td>") == 2
    lg = _text(staff_client.get(_detail_url("LG")))
    row = re.search(r"K-EXAONE 236B-A23B.*?</tr>", lg, re.S).group(0)
    assert re.findall(r'<td class="num">([^<]+)</td>', row) == ["236B", "23B"]
    assert "<td>예</td>" in row and '<td class="date">2025-12-31</td>' in row
    skt = _text(staff_client.get(_detail_url("SKT")))
    assert "<td>Apache-2.0</td>" in skt and "519B" in skt
    naver = _text(staff_client.get(_detail_url("NAVER")))
    assert "<td>텍스트, 이미지, 음성</td>" in naver


def test_detail_history_lists_joins_and_the_elimination(staff_client):
    naver = _text(staff_client.get(_detail_url("NAVER")))
    history = re.search(r'id="history-title".*?</ol>', naver, re.S).group(0)
    assert re.findall(r'<time datetime="([\d-]+)">', history) == ["2025-08-04", "2026-01-15"]
    assert "사업에 참여했습니다." in history
    assert "탈락 (1차 단계평가): Failed originality" in history
    lg = _text(staff_client.get(_detail_url("LG")))
    lg_history = re.search(r'id="history-title".*?</ol>', lg, re.S).group(0)
    assert "엘리스이(가) 참여기관으로 합류했습니다." in lg_history and "2026-02-25" in lg_history
    motif = _text(staff_client.get(_detail_url("MOTIF")))
    assert "추가 선정 팀으로 사업에 참여했습니다." in motif


def test_detail_marks_illustrative_values_with_their_note(staff_client):
    body = _text(staff_client.get(_detail_url("UPSTAGE")))
    tags = re.findall(r'<span class="tag illustrative" tabindex="0" title="([^"]+)">예시 값', body)
    # 9 illustrative partners, 2 of them again in the history (Stanford, NYU joined later), and the model.
    assert len(tags) == 12
    assert any("Hankyung 2026-01-15" in title for title in tags)


def test_detail_in_english_uses_english_organization_names(staff_client):
    staff_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = _text(staff_client.get(_detail_url("UPSTAGE")))
    assert '<th scope="row">Lablup<br><span class="other-name" lang="ko">래블업</span></th>' in body
    assert "<h3>Lead</h3>" in body and "Solar Open 100B" in body and "102.6B" in body


def test_detail_shows_the_other_language_name_only_when_it_differs(staff_client):
    body = _text(staff_client.get(_detail_url("SKT")))
    assert '<th scope="row">한국과학기술원<br><span class="other-name" lang="en">KAIST</span></th>' in body
    nhn = _text(staff_client.get(_detail_url("NCAI")))
    assert '<th scope="row">NHN</th>' in nhn  # same name in both languages: shown once


def test_member_sees_other_teams_registry_entry_which_is_public(client, member):
    client.force_login(member)
    body = _text(client.get(_detail_url("UPSTAGE")))
    assert "업스테이지 컨소시엄" in body and "tag own" not in body
    assert "tag own" in _text(client.get(_detail_url("LG")))


# --- Query budgets -----------------------------------------------------------------------------------

# Session, user, the user's groups (roles), affiliation, then the page's own reads
# (program, phases, consortia). The dashboard adds its summary (cache stamp; when not cached, the figures:
# phases, snapshot, teams, lines, frozen allocations, support, burn, GPUs), a member's final standings
# table and own burn.
DASHBOARD_QUERIES = 20
LIST_QUERIES = 6
DETAIL_QUERIES = 7


@pytest.mark.parametrize(
    ("path", "budget"),
    [
        ("/", DASHBOARD_QUERIES),
        ("/consortia/", LIST_QUERIES),
        ("/consortia/?status=active&q=컨소시엄", LIST_QUERIES),
    ],
)
def test_page_queries_do_not_grow_with_more_teams(
    client, member, django_assert_max_num_queries, path, budget
):
    client.force_login(member)
    with django_assert_max_num_queries(budget):
        assert client.get(path).status_code == 200
    _add_synthetic_consortia(member.affiliation.consortium.program)
    with django_assert_max_num_queries(budget):
        response = client.get(path)
    assert response.status_code == 200


def test_detail_queries_do_not_grow_with_more_partners_or_models(
    client, member, django_assert_max_num_queries
):
    client.force_login(member)
    url = _detail_url("MOTIF")
    with django_assert_max_num_queries(DETAIL_QUERIES):
        assert client.get(url).status_code == 200
    _add_synthetic_consortia(member.affiliation.consortium.program, count=1, partners=40, models=12)
    url = _detail_url("SYN0")
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    # Each of the 40 partners in its kind's table and in the history (they joined after the team).
    assert _text(response).count("합성 기관 0-") == 80


# --- Navigation for later sections -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.MINISTRY_STAFF, True),
        (Role.AUDITOR, True),
        (Role.CONSORTIUM_MEMBER, True),
        (Role.EVALUATOR, False),  # evaluators have no budget grants
        (None, False),
    ],
)
def test_app_visible_follows_the_role_grants(make_user, kai_program, role, expected):
    from django.template import Context, Template

    user = make_user(role)
    rendered = Template('{% load kai_ui %}{% app_visible "budget" as ok %}{{ ok }}').render(
        Context({"user": user})
    )
    assert rendered == str(expected)


def test_budget_nav_entry_only_when_its_pages_exist(client, make_user, kai_program):
    from django.urls import NoReverseMatch, reverse

    client.force_login(make_user(Role.MINISTRY_STAFF))
    body = _text(client.get("/"))
    try:
        budget_url = reverse("budget:lines")
    except NoReverseMatch:
        assert ">예산</a>" not in body
    else:
        assert f'<a href="{budget_url}">예산</a>' in body
        client.force_login(make_user(Role.EVALUATOR))
        assert ">예산</a>" not in _text(client.get("/"))
