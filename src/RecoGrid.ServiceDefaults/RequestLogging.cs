using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace RecoGrid.ServiceDefaults;

/// <summary>
/// One structured line per request (category <c>RecoGrid.Requests</c>, information level): method, route template,
/// status and duration. Never the path or query (they carry user and item ids) and never a payload. Probes and scrapes
/// (<c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>) log at debug level.
/// </summary>
internal sealed partial class RequestLogMiddleware(RequestDelegate next, ILoggerFactory loggers)
{
    /// <summary>The log category of request lines.</summary>
    public const string Category = "RecoGrid.Requests";

    private readonly ILogger _logger = loggers.CreateLogger(Category);

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var failed = false;
        try
        {
            await next(context);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
            var status = failed && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError : context.Response.StatusCode;
            var elapsed = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 2);
            if (IsProbe(route))
            {
                LogProbe(context.Request.Method, route, status, elapsed);
            }
            else
            {
                LogRequest(context.Request.Method, route, status, elapsed);
            }
        }
    }

    private static bool IsProbe(string route) => route is "/healthz" or "/readyz" or "/metrics";

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Route} answered {Status} in {ElapsedMs} ms")]
    private partial void LogRequest(string method, string route, int status, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Route} answered {Status} in {ElapsedMs} ms")]
    private partial void LogProbe(string method, string route, int status, double elapsedMs);
}
