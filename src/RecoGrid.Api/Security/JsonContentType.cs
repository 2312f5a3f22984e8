namespace RecoGrid.Api.Security;

/// <summary>
/// Admin POSTs must say their body is JSON: a cross-origin HTML form or a "simple" fetch cannot send that content type
/// without a CORS preflight, so no web page can promote, roll back or register models from a browser.
/// </summary>
public static class JsonContentType
{
    /// <summary>An endpoint filter answering 415 problem+json to a request whose content type is not JSON.</summary>
    public static EndpointFilterDelegate RequireAsync(EndpointFilterDelegate next) => async context =>
    {
        var contentType = context.HttpContext.Request.ContentType;
        if (IsJson(contentType))
        {
            return await next(context);
        }

        return TypedResults.Problem(
            statusCode: StatusCodes.Status415UnsupportedMediaType,
            title: "The request must be JSON.",
            detail: "Admin requests must send Content-Type: application/json (an empty body is fine where none is needed).");
    };

    private static bool IsJson(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var media = contentType.Split(';', 2)[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }
}
