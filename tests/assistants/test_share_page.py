"""The Share page: paged, searchable, display names, and a removal that is confirmed first."""

import re

from assistants.models import Membership
from assistants.views import MEMBERS_PER_PAGE
from tests.factories import AssistantFactory, UserFactory


def _share(assistant):
    return f"/assistants/{assistant.pk}/share/"


def _rows(html: str) -> list[str]:
    body = re.search(r'<table class="table members">.*?</table>', html, re.S).group(0)
    return re.findall(r'<span class="person-name">([^<]+)</span>', body)


def test_many_members_are_paged_with_display_names(db, client_as, django_assert_max_num_queries):
    creator = UserFactory(first_name="Casey", last_name="Creator")
    crowd = [
        UserFactory(username=f"member{n:03d}", first_name="Ana", last_name=f"Silva{n:03d}")
        for n in range(60)
    ]
    assistant = AssistantFactory(creator=creator, users=crowd)
    client = client_as(creator)

    with django_assert_max_num_queries(8):
        first = client.get(_share(assistant))
    names = _rows(first.text)
    assert names[0] == "Casey Creator"
    assert names[1:] == [f"Ana Silva{n:03d}" for n in range(MEMBERS_PER_PAGE)]
    assert "@member000" in first.text
    assert "Page 1 of 3" in first.text

    last = client.get(_share(assistant) + "?page=3")
    assert _rows(last.text) == [f"Ana Silva{n:03d}" for n in range(50, 60)]
    # A page past the end shows the last one rather than an error.
    assert _rows(client.get(_share(assistant) + "?page=99").text) == _rows(last.text)
    assert client.get(_share(assistant) + "?page=abc").status_code == 200


def test_search_finds_members_by_name_username_or_email(db, client_as):
    creator = UserFactory()
    wanted = UserFactory(
        username="jdoe", first_name="Jane", last_name="Doe", email="jane@corp.test"
    )
    others = [UserFactory(first_name="Bob", last_name="Other") for _ in range(3)]
    assistant = AssistantFactory(creator=creator, users=[wanted, *others])
    client = client_as(creator)
    for query in ("jane", "DOE", "jdoe", "corp.test", "Jane Doe"):
        response = client.get(_share(assistant), {"q": query})
        assert _rows(response.text) == ["Jane Doe"], query
    assert "Nobody with access matches" in client.get(_share(assistant), {"q": "zzz"}).text


def test_remove_asks_first_and_works_without_javascript(people, client_as):
    assistant, member = people["assistant"], people["user"]
    client = client_as(people["creator"])
    share = client.get(_share(assistant)).text
    remove_url = f"/assistants/{assistant.pk}/share/{member.pk}/remove/"
    # The Share page links to a confirmation page; nothing is removed by following it.
    assert f'href="{remove_url}"' in share
    confirm = client.get(remove_url)
    assert confirm.status_code == 200
    assert f"Remove {member.get_full_name() or member.get_username()}?" in confirm.text
    assert f'href="{_share(assistant)}"' in confirm.text  # Cancel
    assert Membership.objects.filter(assistant=assistant, user=member).exists()

    response = client.post(remove_url)
    assert response.status_code == 302
    assert not Membership.objects.filter(assistant=assistant, user=member).exists()


def test_confirming_the_removal_of_someone_without_access_is_404(people, client_as):
    response = client_as(people["creator"]).get(
        f"/assistants/{people['assistant'].pk}/share/{people['other'].pk}/remove/"
    )
    assert response.status_code == 404
