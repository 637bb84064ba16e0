"""Voices: one's own words, side by side, the person's first; written on behalf, taken over."""

from parcours.plans.models import Role


def test_voices_side_by_side_the_person_first(client, make, sign_in):
    members = make.alliance()
    sign_in(members["family"].user)
    url = f"/parcours/{members['family'].parcours_id}"
    client.post(
        f"{url}/voices/{members['family'].id}/edit",
        data={"matters": "Qu'elle ait des copains", "base_number": 0},
    )
    page = client.get(f"{url}/voices")
    assert page.status_code == 200
    assert "Qu&#39;elle ait des copains" in page.text
    person_at = page.text.index(members["person"].user.name)
    family_at = page.text.index(members["family"].user.name, page.text.index('class="voices"'))
    assert person_at < family_at
    assert "Has not written yet." in page.text


def test_writing_on_behalf_of_the_person_says_so_and_the_person_takes_over(
    app, client, make, sign_in
):
    members = make.alliance()
    person = members["person"]
    url = f"/parcours/{person.parcours_id}"
    sign_in(members["professional"].user)
    response = client.post(
        f"{url}/voices/{person.id}/edit",
        data={"matters": "Le jardin", "base_number": 0},
        follow_redirects=True,
    )
    assert f"Written by {members['professional'].user.name} for {person.user.name}" in response.text

    person_client = app.test_client()
    person_client.set_cookie("lang", "en", domain="parcours.test")
    sign_in(person.user, on=person_client)
    page = person_client.get(f"{url}/voices")
    assert "This was written for you. Take it over in your own words." in page.text
    person_client.post(
        f"{url}/voices/{person.id}/edit",
        data={"matters": "Le jardin et mes amis", "base_number": 1},
    )
    page = person_client.get(f"{url}/voices")
    assert f"Written by {person.user.name}, on" in page.text
    assert "This was written for you" not in page.text


def test_only_the_person_s_voice_can_be_written_on_behalf(client, make, sign_in):
    members = make.alliance()
    sign_in(members["professional"].user)
    response = client.post(
        f"/parcours/{members['family'].parcours_id}/voices/{members['family'].id}/edit",
        data={"matters": "x", "base_number": 0},
    )
    assert response.status_code == 422
    assert "You can write your own point of view" in response.text


def test_a_voice_edited_in_the_meantime_is_not_overwritten(client, make, sign_in, api):
    members = make.alliance()
    person = members["person"]
    api(person.user).put(
        f"/api/v1/parcours/{person.parcours_id}/voices/me",
        json={"matters": "Mes mots à moi", "base_number": 0},
    )
    sign_in(members["family"].user)
    response = client.post(
        f"/parcours/{person.parcours_id}/voices/{person.id}/edit",
        data={"matters": "Ce que je crois qu'il pense", "base_number": 0},
    )
    assert response.status_code == 409
    assert "changed in the meantime" in response.text
    assert "Mes mots à moi" in response.text
    assert "Ce que je crois qu&#39;il pense" in response.text
    assert 'name="base_number" type="hidden" value="1"' in response.text


def test_empty_or_too_long_voice_is_refused(client, make, sign_in):
    member = make.parcours()
    sign_in(member.user)
    url = f"/parcours/{member.parcours_id}/voices/{member.id}/edit"
    assert client.post(url, data={"base_number": 0}).status_code == 422
    too_long = client.post(url, data={"matters": "x" * 4001, "base_number": 0})
    assert too_long.status_code == 422
    assert "At most 4000 characters." in too_long.text


class TestApi:
    def test_put_and_get(self, api, make):
        members = make.alliance()
        family = members["family"]
        client = api(family.user)
        url = f"/api/v1/parcours/{family.parcours_id}/voices"
        saved = client.put(
            f"{url}/me",
            json={"matters": "A", "hopes": "B", "worries": "C", "help_me": "D", "base_number": 0},
        )
        assert saved.status_code == 200
        assert saved.json["voice"]["number"] == 1
        voices = client.get(url).json["voices"]
        assert voices[0]["member"]["role"] == "person" and voices[0]["voice"] is None
        mine = next(v for v in voices if v["member"]["id"] == family.id)
        assert mine["voice"]["matters"] == "A" and mine["voice"]["on_behalf"] is False

    def test_on_behalf_of_the_person(self, api, make):
        members = make.alliance()
        person = members["person"]
        response = api(members["family"].user).put(
            f"/api/v1/parcours/{person.parcours_id}/voices/me",
            json={"matters": "Le jardin", "on_behalf_of": person.id, "base_number": 0},
        )
        assert response.status_code == 200
        assert response.json["member"]["id"] == person.id
        assert response.json["voice"]["on_behalf"] is True
        assert response.json["voice"]["author"]["id"] == members["family"].id

    def test_stale_base_number_is_409_with_the_current_voice(self, api, make):
        member = make.parcours()
        client = api(member.user)
        url = f"/api/v1/parcours/{member.parcours_id}/voices/me"
        client.put(url, json={"matters": "one", "base_number": 0})
        refused = client.put(url, json={"matters": "two", "base_number": 0})
        assert refused.status_code == 409
        assert refused.json["error"] == "stale_version"
        assert refused.json["current"]["matters"] == "one"

    def test_bad_input(self, api, make):
        member = make.parcours()
        client = api(member.user)
        url = f"/api/v1/parcours/{member.parcours_id}/voices/me"
        for body in ({"matters": 1}, {"matters": "x" * 4001}, {"nope": "x"}, {}):
            response = client.put(url, json=body | {"base_number": 0})
            assert response.status_code == 422, body
        for body in ({"matters": "x"}, {"matters": "x", "base_number": None}):
            response = client.put(url, json=body)
            assert response.status_code == 428, body
            assert response.json["error"] == "revision_required"
            assert "base_number" in response.json["message"]
        voices = client.get(f"/api/v1/parcours/{member.parcours_id}/voices").json["voices"]
        assert [v["voice"] for v in voices] == [None]
        stranger = make.parcours()
        response = client.put(
            url, json={"matters": "x", "on_behalf_of": stranger.id, "base_number": 0}
        )
        assert response.status_code == 404

    def test_family_cannot_write_for_a_professional(self, api, make):
        members = make.alliance()
        response = api(members["family"].user).put(
            f"/api/v1/parcours/{members['family'].parcours_id}/voices/me",
            json={"matters": "x", "on_behalf_of": members["professional"].id, "base_number": 0},
        )
        assert response.status_code == 403
        assert response.json["error"] == "not_your_voice"


def test_voice_page_query_count_does_not_grow(client, make, sign_in, count_queries, api):
    pro = make.parcours()
    sign_in(pro.user)
    url = f"/parcours/{pro.parcours_id}/voices"
    client.get(url)  # the first page of a session also asks who reads easy-read
    with count_queries() as few:
        client.get(url)
    for role in (Role.family, Role.family, Role.professional, Role.person):
        member = make.member(pro, role)
        api(member.user).put(
            f"/api/v1/parcours/{pro.parcours_id}/voices/me", json={"matters": "x", "base_number": 0}
        )
    with count_queries() as many:
        client.get(url)
    assert many.count == few.count
