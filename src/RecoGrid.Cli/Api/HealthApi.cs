using RecoGrid.Cli.Hosting;
using RecoGrid.Storage.FileSystem;

namespace RecoGrid.Cli.Api;

/// <summary>/healthz (the process is alive) and /readyz (silo joined, storage reachable).</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "alive" }))
            .WithName("Healthz")
            .WithSummary("Liveness: the process answers.");

        app.MapGet("/readyz", Ready)
            .WithName("Readyz")
            .WithSummary("Readiness: the silo has joined its cluster and storage can be written and read.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<IResult> Ready(
        IClusterMembershipService membership, ILocalSiloDetails silo, NodeInfo node, CancellationToken cancellationToken)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        if (status != SiloStatus.Active)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready.", detail: $"The silo is {status}, not Active.");
        }

        try
        {
            var probe = Path.Combine(node.DataDir, ".ready-probe");
            await DurableFile.WriteAtomicAsync(probe, "ok"u8.ToArray(), flushToDisk: false, cancellationToken);
            _ = await File.ReadAllBytesAsync(probe, cancellationToken);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready.", detail: $"Storage under '{node.DataDir}' is not writable: {exception.Message}");
        }

        return TypedResults.Ok(new { status = "ready", role = node.Role, silo = silo.SiloAddress.ToString() });
    }
}
