async def test_health_reports_database(client):
    response = await client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["data"]["checks"]["database"]["status"] == "ok"
    assert body["data"]["checks"]["bot"]["status"] == "off"
