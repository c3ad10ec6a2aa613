"""The yardstick for `patt serve`'s start: a bare FastAPI app with one JSON route, run by uvicorn."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/api/health")
async def health() -> dict:
    return {"ok": True}
