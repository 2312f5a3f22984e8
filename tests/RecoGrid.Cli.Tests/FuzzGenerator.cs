using System.Globalization;
using System.Text;

namespace RecoGrid.Cli.Tests;

/// <summary>
/// Draws one request: valid (with probability validShare), or invalid in one of many ways (keys, bodies, ids, query
/// strings, paths, framing, slowness). Invalid requests are built so that the server must refuse them before writing.
/// </summary>
internal sealed class Fuzz(Random random, IReadOnlyDictionary<string, string> keys, double validShare)
{
    private static readonly string[] Types = ["view", "click", "add-to-cart", "purchase", "share"];

    // Ids the rule refuses, as raw strings (JsonText escapes them) and as URL path segments.
    private static readonly string[] BadIds =
        ["", "a/b", ".", "..", "../../etc/passwd", "x\u200By", "\uFEFFbom", "rtl\u202Eevil", "ctl\u0001x", "nul\u0000", "tab\tx", new string('x', 257), "\uD800", "lo\uDC00w", "   ", "e\u0301" + new string('x', 256)];

    private static readonly string[] BadPathIds =
        [new string('p', 300), "%E2%80%8B", "%EF%BB%BFbom", "rtl%E2%80%AE", "%01", "x%0Ay", "%20%20", "%C2%A0%E2%80%8Bx"];

    private static readonly string[] GoodIds = ["fz-alice", "fz-bob", "café", "用户-7", "emoji-😀", "a.b", "...", "%2F", "x~y", "tab x"];

    private readonly Random _r = random;

    public FuzzRequest Next()
    {
        if (_r.NextDouble() < validShare)
        {
            return _r.Next(12) == 0 ? Ambiguous() : Valid();
        }

        return _r.Next(12) switch
        {
            0 or 1 => AuthFault(),
            2 or 3 => Raw(),
            4 => Misc(),
            _ => BadInput(),
        };
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_r.Next(items.Count)];

    private string GoodId() => Pick(GoodIds) + "-" + _r.Next(50).ToString(CultureInfo.InvariantCulture);

    // JSON string literal with every non-ASCII or special character escaped, so lone surrogates survive as \uD800.
    private static string JsonText(string text)
    {
        var json = new StringBuilder("\"");
        foreach (var c in text)
        {
            if (c is >= ' ' and <= '~' && c is not '"' and not '\\')
            {
                json.Append(c);
            }
            else
            {
                json.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
        }

        return json.Append('"').ToString();
    }

    private string Event(string? user = null, string? item = null, string? type = null, string? extra = null) =>
        $$"""{"userId":{{JsonText(user ?? GoodId())}},"itemId":{{JsonText(item ?? GoodId())}},"type":"{{type ?? Pick(Types)}}"{{extra}}}""";

    private string ValidEvents() => "{\"events\":[" + string.Join(",", Enumerable.Range(0, _r.Next(1, 5)).Select(_ => Event())) + "]}";

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private FuzzRequest Json(string kind, string method, string path, string scope, string body, bool valid = false) =>
        new(kind, method, path, keys[scope], Utf8(body), "application/json", valid);

    private FuzzRequest Get(string kind, string path, string scope, bool valid = false) => new(kind, "GET", path, keys[scope], null, null, valid);

    // ---- valid requests (2xx expected) ----
    private FuzzRequest Valid()
    {
        var user = Uri.EscapeDataString(GoodId());
        var item = Uri.EscapeDataString(GoodId());
        return _r.Next(13) switch
        {
            0 or 1 or 2 => Json("valid events", "POST", "/v1/events", Pick(["events:write", "admin"]), ValidEvents(), true),
            3 => Get("valid recommendations", $"/v1/users/{user}/recommendations?count={_r.Next(1, 50)}&excludeSeen={(_r.Next(2) == 0 ? "true" : "false")}", "recommendations:read", true),
            4 => Get("valid user", $"/v1/users/{user}", "recommendations:read", true),
            5 => Json("valid item", "PUT", $"/v1/items/{item}", "catalog:write", """{"categories":["fz","home/kitchen"],"properties":{"brand":"Acme"}}""", true),
            6 => Json("valid item batch", "POST", "/v1/items:batch", "catalog:write", $$"""{"items":[{"itemId":{{JsonText(GoodId())}}},{"itemId":{{JsonText(GoodId())}},"available":false}]}""", true),
            7 => Get("valid item read", $"/v1/items/{item}", Pick(["recommendations:read", "catalog:write"]), true),
            8 => new FuzzRequest("valid erase", "DELETE", $"/v1/users/{user}", keys["admin"], null, null, true),
            9 => Get("valid models", "/v1/admin/models", "admin", true),
            10 => Get("valid keys", "/v1/admin/keys", "admin", true),
            11 => new FuzzRequest("valid health", "GET", Pick(["/healthz", "/readyz", "/openapi/v1.json"]), null, null, null, true),
            _ => Get("valid escaped user", $"/v1/users/{Convert.ToBase64String(Utf8(GoodId())).TrimEnd('=').Replace('+', '-').Replace('/', '_')}?idEncoding=base64url", "recommendations:read", true),
        };
    }

    // Requests whose exact answer depends on URL decoding details (either 2xx or 4xx is right).
    private FuzzRequest Ambiguous() => _r.Next(4) switch
    {
        0 => Get("unicode path", $"/v1/users/{Pick(["%ED%A0%80", "%FF%FE", "%C0%AF", "a%2Fb", "%2e%2e%2f"])}", "recommendations:read", true),
        1 => Get("unicode item path", $"/v1/items/{Pick(["%F0%9F%98%80", "%E2%80%8F", "..%2F..%2Fadmin"])}", "catalog:write", true),
        2 => new FuzzRequest("text/plain events", "POST", "/v1/events", keys["events:write"], Utf8(ValidEvents()), "text/plain", true),
        _ => Json("huge but valid count", "GET", $"/v1/users/{Uri.EscapeDataString(GoodId())}/recommendations?count=500", "recommendations:read", "", true) with { Body = null },
    };

    // ---- authentication and authorization faults (401/403) ----
    private FuzzRequest AuthFault()
    {
        var request = _r.Next(3) == 0 ? Valid() : BadInput();
        var allowed = request.Path switch
        {
            var p when p.StartsWith("/v1/admin", StringComparison.Ordinal) => new[] { "admin" },
            var p when p.StartsWith("/v1/events", StringComparison.Ordinal) => ["events:write", "admin"],
            var p when p.StartsWith("/v1/users", StringComparison.Ordinal) => request.Method == "DELETE" ? ["admin"] : ["recommendations:read", "admin"],
            var p when p.StartsWith("/v1/items", StringComparison.Ordinal) => request.Method == "GET" ? ["recommendations:read", "catalog:write", "admin"] : ["catalog:write", "admin"],
            _ => [],
        };
        if (allowed.Length == 0)
        {
            return BadInput();
        }

        var wrongScopes = new[] { "events:write", "recommendations:read", "catalog:write" }.Except(allowed).ToArray();
        var key = _r.Next(6) switch
        {
            0 => null,
            1 => "rgk_" + Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant()[..16] + "_" + new string('A', 43),
            2 => Pick(["Bearer x", "", "rgk_", "x".PadRight(5000, 'x'), "rgk_0123456789abcdef_" + new string('/', 43)]),
            3 => keys["revoked"],
            4 => keys["admin"][..^1] + (keys["admin"][^1] == 'A' ? 'B' : 'A'),
            _ => wrongScopes.Length > 0 ? keys[Pick(wrongScopes)] : keys["revoked"],
        };
        return request with { Kind = "auth fault: " + request.Kind, Key = key, Valid = false };
    }

    // ---- bad input with the right key (400, 404, 409, 413, 415) ----
    private FuzzRequest BadInput() => _r.Next(9) switch
    {
        0 or 1 or 2 => BadEvents(),
        3 => BadRecommendations(),
        4 => BadUserPath(),
        5 => BadItem(),
        6 => BadModels(),
        7 => BadKeys(),
        _ => Truncated(),
    };

    private FuzzRequest BadEvents()
    {
        var bad = Pick(BadIds);
        var one = _r.Next(16) switch
        {
            0 => Event(user: bad),
            1 => Event(item: bad),
            2 => Event(extra: $",\"eventId\":{JsonText(_r.Next(2) == 0 ? bad : new string('e', 129))}"),
            3 => Event(type: "teleport"),
            4 => """{"userId":"u","itemId":"i"}""",
            5 => Event(extra: ",\"value\":\"lots\""),
            6 => Event(extra: Pick([",\"value\":1e400", ",\"value\":-1", ",\"value\":123456789012345678901234567890", ",\"value\":NaN", ",\"value\":0"])),
            7 => Event(type: "rating", extra: Pick([",\"value\":7", "", ",\"value\":-0.5"])),
            8 => Event(extra: Pick([",\"timestamp\":\"2999-01-01T00:00:00Z\"", ",\"timestamp\":\"yesterday\"", ",\"timestamp\":12345", ",\"timestamp\":\"1969-12-31T00:00:00Z\""])),
            9 => Pick(["null", "42", "\"event\"", "[]", "true"]),
            10 => Event(extra: ",\"userId\":5"),
            11 => """{"userId":["u"],"itemId":"i","type":"view"}""",
            12 => Event(extra: ",\"value\":{\"nested\":1}"),
            13 => Event(extra: ",\"type\":null"),
            14 => Event(user: "\uD83D"),
            _ => Event(item: new string('i', _r.Next(257, 400))),
        };
        var events = Enumerable.Range(0, _r.Next(0, 3)).Select(_ => Event()).Append(one).OrderBy(_ => _r.Next()).ToList();
        var body = _r.Next(10) switch
        {
            0 => Pick(["{\"events\":[]}", "{\"events\":{}}", "{\"events\":5}", "{\"events\":null}", "{}", "[]", "null", "\"events\"", "42", "", "  "]),
            1 => "{\"events\":[" + string.Join(",", Enumerable.Range(0, 101).Select(_ => Event())) + "]}",
            2 => new string('[', 5000) + new string(']', 5000),
            _ => _r.Next(2) == 0 ? "{\"events\":[" + string.Join(",", events) + "]}" : "[" + string.Join(",", events) + "]",
        };
        return Json("bad events", "POST", "/v1/events", "events:write", body);
    }

    private FuzzRequest BadRecommendations()
    {
        var user = Uri.EscapeDataString(GoodId());
        var query = Pick(new[]
        {
            "count=0", "count=-5", "count=abc", "count=99999999999", "count=501", "count=1e3", "excludeSeen=maybe",
            "idEncoding=hex", "category=%E2%80%8B", "category=" + new string('c', 300), "exclude=a,%E2%80%8B,b",
            "exclude=" + new string('x', 300), "count=%00", "count=10&count=20",
        });
        return Get("bad recommendations query", $"/v1/users/{user}/recommendations?{query}", "recommendations:read");
    }

    private FuzzRequest BadUserPath()
    {
        var (path, scope) = _r.Next(5) switch
        {
            0 => ($"/v1/users/{Pick(BadPathIds)}/recommendations", "recommendations:read"),
            1 => ($"/v1/users/{Pick(BadPathIds)}", "recommendations:read"),
            2 => ($"/v1/users/{Pick(["***", "_w", "", "%3D%3D%3D", new string('A', 1500)])}?idEncoding=base64url", "recommendations:read"),
            3 => ($"/v1/users/{Pick(BadPathIds)}/recommendations?idEncoding=base64url2", "recommendations:read"),
            _ => ($"/v1/users/{Pick(BadPathIds)}", "admin"),
        };
        var method = scope == "admin" ? "DELETE" : "GET";
        return new FuzzRequest("bad user path", method, path, keys[scope], null, null, false);
    }

    private FuzzRequest BadItem()
    {
        var item = Uri.EscapeDataString(GoodId());
        return _r.Next(6) switch
        {
            0 => Json("bad item path", "PUT", $"/v1/items/{Pick(BadPathIds)}", "catalog:write", "{}"),
            1 => Json("bad item body", "PUT", $"/v1/items/{item}", "catalog:write", Pick(new[]
            {
                "{\"categories\":\"books\"}", "{\"categories\":[\"\"]}", "{\"categories\":[null]}", "{\"available\":\"yes\"}",
                "{\"properties\":{\"k\":5}}", "{\"properties\":{\"\":\"v\"}}", "{\"properties\":{\"k\":\"" + new string('v', 5000) + "\"}}",
                "{\"itemId\":\"other-item\"}", "{\"categories\":[" + string.Join(",", Enumerable.Range(0, 65).Select(i => $"\"c{i}\"")) + "]}",
                "{\"categories\":[" + JsonText("\u200B") + "]}", "", "null", "[1,2]", "{\"properties\":{\"k\":null}}",
            })),
            2 => Json("bad item batch", "POST", "/v1/items:batch", "catalog:write", Pick(new[]
            {
                "{\"items\":[]}", "{\"items\":null}", "{\"items\":[null]}", "{\"items\":[{\"categories\":[\"x\"]}]}",
                "{\"items\":[{\"itemId\":\"ok\"},{\"itemId\":" + JsonText(Pick(BadIds)) + "}]}", "{\"items\":\"x\"}",
                "{\"items\":[" + string.Join(",", Enumerable.Range(0, 1001).Select(i => $"{{\"itemId\":\"b{i}\"}}")) + "]}",
            })),
            3 => Get("bad item read", $"/v1/items/{Pick(BadPathIds)}", "recommendations:read"),
            4 => Get("bad escaped item", $"/v1/items/{Pick(["***", "_w", new string('A', 1500)])}?idEncoding=base64url", "catalog:write"),
            _ => Json("oversized item batch", "POST", "/v1/items:batch", "catalog:write", "{\"items\":[{\"itemId\":\"x\",\"properties\":{\"p\":\"" + new string('p', 70_000) + "\"}}]}"),
        };
    }

    private FuzzRequest BadModels() => _r.Next(5) switch
    {
        0 or 1 => Json("bad model path", "POST", "/v1/admin/models", "admin", Pick(new[]
        {
            "{\"path\":\"/etc\"}", "{\"path\":\"/nonexistent/x\"}", "{\"path\":\"../grains\"}", "{\"path\":\"..\"}", "{\"path\":\"ok/../../log\"}",
            "{\"path\":\"missing\"}", "{\"path\":5}", "{\"path\":null}", "{}", "{\"path\":\"" + new string('d', 2000) + "\"}",
            "{\"path\":" + JsonText("a\u0000b") + "}", "{\"path\":\"C:\\\\Windows\"}", "{\"path\":\"~/x\"}", "", "[]",
        })),
        2 => Json("unknown promotion", "POST", $"/v1/admin/models/{Pick(["v999", "v0", "..", "%2e%2e", "v1%2F..", "x" + new string('v', 300), "%E2%80%8B"])}:promote", "admin", ""),
        3 => Json("rollback without history", "POST", "/v1/admin/models:rollback", "admin", ""),
        _ => new FuzzRequest("model admin not json", "POST", Pick(["/v1/admin/models", "/v1/admin/models:rollback", "/v1/admin/models/v1:promote", "/v1/admin/keys"]),
            keys["admin"], Utf8("path=%2Fetc"), Pick(["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"]), false),
    };

    private FuzzRequest BadKeys() => _r.Next(3) switch
    {
        0 => Json("bad key request", "POST", "/v1/admin/keys", "admin", Pick(new[]
        {
            "{\"client\":\"x\",\"scopes\":[\"root\"]}", "{\"client\":\"x\",\"scopes\":[]}", "{\"scopes\":[\"admin\"]}", "{\"client\":\"x\"}",
            "{\"client\":\"x\",\"scopes\":[\"admin\"],\"expiresAt\":\"2001-01-01T00:00:00Z\"}", "{\"client\":5,\"scopes\":[\"admin\"]}",
            "{\"client\":\"x\",\"scopes\":\"admin\"}", "{\"client\":" + JsonText("a/b") + ",\"scopes\":[\"admin\"]}", "{\"client\":\"x\",\"scopes\":[null]}",
            "{\"client\":\"x\",\"scopes\":[\"admin\"],\"expiresAt\":\"soon\"}",
        })),
        1 => new FuzzRequest("bad key id", "DELETE", $"/v1/admin/keys/{Pick(["xyz", "0123", "ZZZZZZZZZZZZZZZZ", new string('a', 17), "..%2F.."])}", keys["admin"], null, null, false),
        _ => new FuzzRequest("unknown key id", "DELETE", $"/v1/admin/keys/{Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant()[..16]}", keys["admin"], null, null, false),
    };

    // A valid body cut short: any strict prefix of a JSON object or array is malformed.
    private FuzzRequest Truncated()
    {
        var (path, scope, body) = _r.Next(4) switch
        {
            0 => ("/v1/events", "events:write", ValidEvents()),
            1 => ("/v1/items:batch", "catalog:write", "{\"items\":[{\"itemId\":\"t1\"},{\"itemId\":\"t2\"}]}"),
            2 => ("/v1/admin/keys", "admin", "{\"client\":\"t\",\"scopes\":[\"admin\"]}"),
            _ => ("/v1/admin/models", "admin", "{\"path\":\"first\"}"),
        };
        var bytes = Utf8(body);
        var cut = bytes[.._r.Next(bytes.Length)];
        if (_r.Next(4) == 0 && cut.Length > 0)
        {
            cut[_r.Next(cut.Length)] = (byte)Pick(new[] { 0xFF, 0xC0, 0x00, 0x80 });
        }

        return new FuzzRequest("truncated json", "POST", path, keys[scope], cut, "application/json", false);
    }

    // ---- everything else: unknown paths, methods, traversal ----
    private FuzzRequest Misc() => _r.Next(6) switch
    {
        0 => Get("unknown path", Pick(["/v1/nothing", "/v1/users", "/v1/items", "/v1/admin", "/v2/events", "/v1/users/u/recommendations/extra"]), "admin"),
        1 => new FuzzRequest("wrong method", Pick(["PATCH", "PUT", "GET", "DELETE"]), "/v1/events", keys["events:write"], null, null, false),
        2 => new FuzzRequest("wrong method", Pick(["PATCH", "POST"]), $"/v1/users/{GoodId()}", keys["admin"], null, null, false),
        3 => Json("oversized events", "POST", "/v1/events", "events:write", "{\"events\":[" + Event() + "],\"pad\":\"" + new string('p', 70_000) + "\"}"),
        4 => TraversalRaw(),
        _ => new FuzzRequest("query garbage", "GET", $"/v1/users/{Uri.EscapeDataString(GoodId())}/recommendations?count=%FF%FE&category=%C0", keys["recommendations:read"], null, null, false),
    };

    private FuzzRequest TraversalRaw()
    {
        var path = Pick(["/v1/users/../../etc/passwd", "/v1/items/../../../root", "/v1/users/..%2F..%2Fadmin%2Fkeys/recommendations?count=0", "/v1/admin/models/../../../etc:promote", "/./v1/../v1/nothing"]);
        var head = RawHttp.Head("GET", path, keys[Pick(["events:write", "catalog:write"])]);
        return new FuzzRequest("traversal", "GET", path, null, null, null, false, new RawRequest(head, [], TimeSpan.Zero, false));
    }

    // ---- framing faults on a raw socket (400, 408, 413, 431) ----
    private FuzzRequest Raw()
    {
        var (path, scope) = Pick(new[] { ("/v1/events", "events:write"), ("/v1/items:batch", "catalog:write"), ("/v1/admin/keys", "admin"), ("/v1/admin/models", "admin") });
        var key = keys[scope];
        const string json = "Content-Type: application/json";
        var choice = _r.Next(40);
        var (head, parts, pause, halfClose, kind) = choice switch
        {
            0 => (RawHttp.Head("POST", path, key, json, "Content-Length: 5000"), Chars("{\"e", "v", "e", "n", "t"), TimeSpan.FromMilliseconds(450), false, "slow body"),
            < 8 => (RawHttp.Head("POST", path, key, json, "Transfer-Encoding: chunked"), Chars(Pick(new[] { "zz\r\n{}\r\n0\r\n\r\n", "5\r\n{\"events\"\r\n0\r\n\r\n", "3\r\n{}\r\n", "-1\r\n{}\r\n0\r\n\r\n", "FFFFFFFFFFFFFFFFFFFF\r\n{}\r\n", "2;ext=\u0001\r\n{}\r\n0\r\n\r\n", "2\r\n{}0\r\n\r\n" })), TimeSpan.Zero, false, "malformed chunked"),
            < 14 => (RawHttp.Head("POST", path, key, json, $"Content-Length: {_r.Next(50, 500)}"), Chars("{\"events\":[{\"userId\":\"u\""), TimeSpan.Zero, true, "short body, then the client closes its side"),
            < 18 => (RawHttp.Head("POST", path, key, json, Pick(new[] { "Content-Length: abc", "Content-Length: -1", "Content-Length: 99999999999999999999", "Content-Length: 5\r\nContent-Length: 6", "Content-Length: 2\r\nTransfer-Encoding: chunked" })), Chars("{}"), TimeSpan.Zero, false, "bad content-length"),
            < 22 => (Pick(new[] { "GARBAGE\r\n\r\n", "POST /v1/events HTTP/1.1\r\nHost: x\r\nNoColonHeader\r\n\r\n", "GET /v1/\u0000 HTTP/1.1\r\nHost: x\r\n\r\n", "POST /v1/events HTTP/1.1\r\n\r\n" }), Chars(), TimeSpan.Zero, false, "bad request line"),
            < 24 => (RawHttp.Head("GET", "/v1/users/u", key, "X-Big: " + new string('h', 40_000)), Chars(), TimeSpan.Zero, false, "huge header"),
            < 28 => (RawHttp.Head("POST", path, key, json, "Content-Length: 100000"), Chars("{\"pad\":\"" + new string('x', 99_990) + "\"}"), TimeSpan.Zero, false, "oversized declared body"),
            _ => (RawHttp.Head("POST", path, key, json, "Transfer-Encoding: chunked"), Chars("4\r\n{\"ev\r\n"), TimeSpan.Zero, true, "unterminated chunked, then the client closes its side"),
        };
        return new FuzzRequest(kind, "POST", path, key, null, null, false, new RawRequest(head, parts, pause, halfClose));
    }

    private static byte[][] Chars(params string[] parts) => [.. parts.Select(Utf8)];
}
