"""A local stand-in for FRED (fredgraph.csv and the JSON API), the MoF yield CSV and Treasury Fiscal Data, on 127.0.0.1, in their real formats."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

MOF_PATH = "/jgbs/reference/interest_rate/data/jgbcm_all.csv"
BUYBACKS_PATH = "/services/api/fiscal_service/v1/accounting/od/buybacks_operations"
MOF_HEADER = "基準日,1年,2年,3年,4年,5年,6年,7年,8年,9年,10年,15年,20年,25年,30年,40年"


@dataclass
class StandIn:
    """What the server serves (per FRED id: date -> value string, `.` or empty allowed) and what it was asked."""

    series: dict[str, dict[str, str]] = field(default_factory=dict)
    old_header: set[str] = field(default_factory=set)      # ids served with the older `DATE,ID` header
    failing: dict[str, int] = field(default_factory=dict)  # id -> HTTP status to answer with
    mof_rows: list[str] = field(default_factory=list)      # data lines of jgbcm_all.csv after the header
    mof_status: int = 200
    buybacks: list[dict[str, str]] = field(default_factory=list)  # Fiscal Data rows (every field a string)
    treasury_status: int = 200
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)
    url: str = ""

    def asked(self, path: str) -> list[dict[str, str]]:
        return [q for p, q in self.requests if p == path]

    def fredgraph(self, sid: str, cosd: str) -> str:
        name = "DATE" if sid in self.old_header else "observation_date"
        rows = [f"{d},{v}" for d, v in sorted(self.series[sid].items()) if d >= cosd]
        return "\n".join([f"{name},{sid}", *rows]) + "\n"

    def observations(self, sid: str, start: str) -> str:
        rows = [{"realtime_start": "2026-01-01", "realtime_end": "2026-01-01", "date": d, "value": v or "."}
                for d, v in sorted(self.series[sid].items()) if d >= start]
        return json.dumps({"observation_start": start, "count": len(rows), "observations": rows})

    def buyback_page(self, query: dict[str, str]) -> str:
        """One page of `buybacks_operations` as Fiscal Data answers it: filtered, sorted, paged, with meta and links."""
        rows = list(self.buybacks)
        for clause in filter(None, query.get("filter", "").split(",")):
            name, op, value = clause.split(":", 2)
            rows = [r for r in rows if (r[name] >= value if op == "gte" else r[name] <= value if op == "lte" else r[name] == value)]
        sort = query.get("sort", "")
        if sort:
            rows.sort(key=lambda r: r[sort.lstrip("-")], reverse=sort.startswith("-"))
        fields = query.get("fields")
        if fields:
            rows = [{k: r[k] for k in fields.split(",")} for r in rows]
        size, number = int(query.get("page[size]", "100")), int(query.get("page[number]", "1"))
        pages = max(1, -(-len(rows) // size))
        chunk = rows[(number - 1) * size: number * size]

        def link(n: int) -> str:
            return f"&page%5Bnumber%5D={n}&page%5Bsize%5D={size}"

        keys = list(chunk[0]) if chunk else []
        meta = {"count": len(chunk), "labels": {k: k.replace("_", " ").title() for k in keys},
                "dataTypes": {k: "DATE" if k.endswith("_date") else "CURRENCY0" if "amt" in k else "STRING" for k in keys},
                "dataFormats": {k: "YYYY-MM-DD" if k.endswith("_date") else "$10.20" if "amt" in k else "String" for k in keys},
                "total-count": len(rows), "total-pages": pages}
        links = {"self": link(number), "first": link(1), "prev": link(number - 1) if number > 1 else None,
                 "next": link(number + 1) if number < pages else None, "last": link(pages)}
        return json.dumps({"data": chunk, "meta": meta, "links": links})

    def mof_csv(self) -> bytes:
        text = "国債金利情報,,,,,,,,,,,,,,,(単位 : %)\r\n" + MOF_HEADER + "\r\n" + "".join(r + "\r\n" for r in self.mof_rows)
        return text.encode("cp932")


def _handler(state: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            state.requests.append((url.path, query))
            state.user_agents.append(self.headers.get("User-Agent", ""))
            if url.path == "/graph/fredgraph.csv":
                sid = query.get("id", "")
                self._fred(sid, lambda: state.fredgraph(sid, query.get("cosd", "")), "text/csv")
            elif url.path == "/fred/series/observations":
                sid = query.get("series_id", "")
                self._fred(sid, lambda: state.observations(sid, query.get("observation_start", "")), "application/json")
            elif url.path == BUYBACKS_PATH:
                if state.treasury_status != 200:
                    self._send(state.treasury_status, b'{"error": "unavailable"}', "application/json")
                else:
                    self._send(200, state.buyback_page(query).encode(), "application/json")
            elif url.path == MOF_PATH and state.mof_status == 200:
                self._send(200, state.mof_csv(), "text/csv")
            else:
                self._send(state.mof_status if url.path == MOF_PATH else 404, b"not here", "text/plain")

        def _fred(self, sid: str, body: object, content_type: str) -> None:
            if sid in state.failing:
                self._send(state.failing[sid], b"<html>refused</html>", "text/html")
            elif sid not in state.series:
                self._send(404, b"<html>Series not found</html>", "text/html")
            else:
                self._send(200, body().encode(), content_type)  # type: ignore[operator]

        def _send(self, status: int, payload: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@contextmanager
def serving(state: StandIn) -> Iterator[StandIn]:
    """Run the stand-in on a free loopback port for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
