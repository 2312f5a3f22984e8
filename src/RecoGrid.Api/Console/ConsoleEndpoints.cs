using System.Collections.Frozen;
using System.Security.Cryptography;

namespace RecoGrid.Api.Console;

/// <summary>
/// The web console at <c>/console</c>: a few static files embedded in this assembly (plain HTML, CSS and JavaScript, no
/// build step). The page itself is public and holds nothing secret; it calls the /v1 API with an admin key the operator
/// pastes in, kept in the tab's sessionStorage. A strict Content-Security-Policy allows only this node's own scripts
/// and API.
/// </summary>
public static class ConsoleEndpoints
{
    /// <summary>Where the console is served.</summary>
    public const string Path = "/console";

    private const string ResourcePrefix = "console/";

    private const string SecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly Lazy<FrozenDictionary<string, Asset>> Assets = new(LoadAssets);

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        // "/console" matches too (the catch-all is optional): it is sent to "/console/" so relative asset links resolve.
        app.MapGet(Path + "/{**file}", Serve)
            .WithName("Console")
            .ExcludeFromDescription();
        return app;
    }

    private static IResult Serve(HttpContext context, string? file)
    {
        if (string.IsNullOrEmpty(file) && !context.Request.Path.Value!.EndsWith('/'))
        {
            return TypedResults.Redirect(Path + "/");
        }

        var name = string.IsNullOrEmpty(file) ? "index.html" : file;
        if (!Assets.Value.TryGetValue(name, out var asset))
        {
            return TypedResults.NotFound();
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = SecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> LoadAssets()
    {
        var assembly = typeof(ConsoleEndpoints).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var name = resource[ResourcePrefix.Length..];
            var type = ContentTypes.GetValueOrDefault(System.IO.Path.GetExtension(name), "application/octet-stream");
            assets[name] = new Asset(content, type, "\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..16] + "\"");
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record Asset(byte[] Content, string ContentType, string ETag);
}
