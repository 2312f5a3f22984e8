using System.Text.Json;
using Microsoft.Extensions.Logging;
using RecoGrid.Server.Events;

namespace RecoGrid.Api;

/// <summary>Reads JSON bodies with clear errors for malformed, oversized or missing content.</summary>
public static class RequestBody
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Reads the body as <typeparamref name="T"/>, or returns the problem to answer with.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Json, cancellationToken);
            return value is null
                ? (default, Invalid("body", "a JSON body is required"))
                : (value, null);
        }
        catch (JsonException exception)
        {
            var field = string.IsNullOrEmpty(exception.Path) || exception.Path == "$" ? "body" : exception.Path.TrimStart('$', '.');
            return (default, Invalid(field, $"malformed JSON: {FirstSentence(exception.Message)}"));
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (default, TypedResults.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "The request body is too large.",
                detail: $"{exception.Message} Raise Api:MaxRequestBodyBytes or send smaller batches."));
        }
        catch (IOException exception) when (!request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // Reading a request body only fails through the client: bad chunked framing, a body shorter than its
            // Content-Length, or one too slow (Limits:MinBodyBytesPerSecond). Never a server fault, so never a 5xx.
            var status = exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status400BadRequest;
            LogUnreadableBody(request, status, exception.Message);
            return (default, TypedResults.Problem(
                statusCode: status,
                title: status == StatusCodes.Status408RequestTimeout ? "The request body arrived too slowly." : "The request body is malformed.",
                detail: exception.Message));
        }
    }

    private static void LogUnreadableBody(HttpRequest request, int status, string reason)
    {
        var logger = request.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RequestBody).FullName!);
        var route = (request.HttpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
        UnreadableBody(logger, request.Method, route, status, reason, null);
    }

    private static readonly Action<ILogger, string, string, int, string, Exception?> UnreadableBody =
        LoggerMessage.Define<string, string, int, string>(LogLevel.Warning, new EventId(1, "UnreadableBody"), "{Method} {Route} answered {Status}: the body could not be read: {Reason}");

    /// <summary>A 400 validation problem with one field error.</summary>
    public static IResult Invalid(string field, string reason)
    {
        var errors = new FieldErrors();
        errors.Add(field, reason);
        return errors.ToProblem($"{field} {reason}.");
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}
