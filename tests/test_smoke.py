def test_words_list_serves_the_seed(client):
    response = client.get("/api/words")
    assert response.status_code == 200
    assert response.get_json()["total_words"] >= 300
