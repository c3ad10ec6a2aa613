"""The author kit's members: ``create_member`` makes a player with that rank and an account
that logs in through identity, under a generated or a chosen username."""

from patt_host.testing import PASSWORD, create_member, log_in


async def test_a_member_with_a_chosen_username_logs_in_with_its_rank(db, make_client):
    client = await make_client(plugins=["identity"])
    olga = await create_member(db, "Officer", "Olga", username="olga")
    assert (olga.username, olga.password, olga.rank) == ("olga", PASSWORD, "Officer")
    token = await log_in(client, olga)
    me = client.data(await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}))
    assert me["player_id"] == olga.player_id
    generated = await create_member(db)
    assert generated.username.startswith("member") and generated.username != "olga"
