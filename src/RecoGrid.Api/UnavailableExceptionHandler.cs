using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Logging;
using RecoGrid.Abstractions;

namespace RecoGrid.Api;

/// <summary>
/// A server fault is never a bare 500: storage or cluster trouble (and anything unforeseen) answers 503 problem+json
/// with <c>Retry-After</c>, since the request can succeed once the node recovers. A client fault (a malformed, short or
/// stalled body) answers its 4xx. Each failure logs one warning line without a stack trace, naming the route pattern
/// rather than the path (paths carry user ids); only unforeseen faults log their stack trace.
/// </summary>
public sealed partial class UnavailableExceptionHandler(ILogger<UnavailableExceptionHandler> logger) : IExceptionHandler
{
    private const int RetryAfterSeconds = 1;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // The exception handler clears the endpoint before it runs handlers; its feature keeps the one that failed.
        var route = (httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
        if (exception is BadHttpRequestException bad)
        {
            LogClientFault(httpContext.Request.Method, route, bad.StatusCode, bad.Message);
            await TypedResults.Problem(statusCode: bad.StatusCode, title: "The request is malformed.", detail: bad.Message).ExecuteAsync(httpContext);
            return true;
        }

        if (httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client went away (or reset the connection) mid-request: nobody is left to answer.
            LogClientGone(httpContext.Request.Method, route, exception.GetType().Name);
            return true;
        }

        if (exception is LogUnavailableException or TimeoutException or OrleansException or IOException)
        {
            LogUnavailable(httpContext.Request.Method, route, exception.GetType().Name, exception.Message);
        }
        else
        {
            LogUnexpected(exception, httpContext.Request.Method, route);
        }

        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "The service is temporarily unavailable.",
            detail: exception is LogUnavailableException ? exception.Message + " Nothing of the request was recorded." : $"Retry after {RetryAfterSeconds} s.").ExecuteAsync(httpContext);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Route} answered {Status}: {Reason}")]
    private partial void LogClientFault(string method, string route, int status, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Route}: the client closed the connection before the answer ({Kind}).")]
    private partial void LogClientGone(string method, string route, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Route} answered 503: {Kind}: {Reason}")]
    private partial void LogUnavailable(string method, string route, string kind, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Route} failed unexpectedly and answered 503.")]
    private partial void LogUnexpected(Exception exception, string method, string route);
}
