def test_ping(http):
    r = http.get("/ping")
    assert r.status_code == 200 and r.json() == {"message": "pong"}


def test_stream(client, openai_double):
    stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi there"}], stream=True)
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "You said: hi there"


def test_nonstream(client, openai_double):
    r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi there"}])
    assert r.choices[0].message.content == "You said: hi there"
