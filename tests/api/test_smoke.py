import hashlib
import os


def test_upload_roundtrip_multipart(api, bucket, s3):
    data = os.urandom(20 * 1024 * 1024 + 123)
    r = api.put(f"/api/locations/s3:{bucket}/object", params={"key": "dir/a b#?.bin"}, content=data)
    assert r.status_code == 201, r.text
    r = api.get(f"/api/locations/s3:{bucket}/download", params={"key": "dir/a b#?.bin"})
    assert r.status_code == 200
    assert hashlib.sha256(r.content).digest() == hashlib.sha256(data).digest()
    head = s3.head_object(Bucket=bucket, Key="dir/a b#?.bin")
    assert head["ETag"].endswith('-3"')
    listing = api.get(f"/api/locations/s3:{bucket}/objects", params={"prefix": "dir/"}).json()
    assert [f["name"] for f in listing["files"]] == ["a b#?.bin"]
