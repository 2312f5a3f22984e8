using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Logging;
using RecoGrid.Abstractions;

namespace RecoGrid.Api;

/// <summary>
/// A server fault is never a bare 500: storage or cluster trouble (and anything unforeseen) answers 503 problem+json
/// with <c>Retry-After</c>, since the request can succeed once the node recovers. Expected faults log one line without
/// a stack trace; unexpected ones log it once.
/// </summary>
public sealed partial class UnavailableExceptionHandler(ILogger<UnavailableExceptionHandler> logger) : IExceptionHandler
{
    private const int RetryAfterSeconds = 1;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is BadHttpRequestException bad)
        {
            await TypedResults.Problem(statusCode: bad.StatusCode, title: "The request is malformed.", detail: bad.Message).ExecuteAsync(httpContext);
            return true;
        }

        if (exception is LogUnavailableException or TimeoutException or OrleansException or IOException)
        {
            LogUnavailable(httpContext.Request.Method, exception.GetType().Name, exception.Message);
        }
        else
        {
            LogUnexpected(exception, httpContext.Request.Method);
        }

        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "The service is temporarily unavailable.",
            detail: exception is LogUnavailableException ? exception.Message + " Nothing of the request was recorded." : $"Retry after {RetryAfterSeconds} s.").ExecuteAsync(httpContext);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} answered 503: {Kind}: {Reason}")]
    private partial void LogUnavailable(string method, string kind, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} failed unexpectedly and answered 503.")]
    private partial void LogUnexpected(Exception exception, string method);
}
