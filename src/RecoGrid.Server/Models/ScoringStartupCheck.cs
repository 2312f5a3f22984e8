using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RecoGrid.Scoring;
using RecoGrid.Scoring.Onnx;

namespace RecoGrid.Server.Models;

/// <summary>
/// Fails start-up of a scoring node whose execution provider cannot run (e.g. Cuda without the GPU build),
/// instead of failing on the first promotion: a one-item model is loaded with the configured provider.
/// </summary>
public sealed class ScoringStartupCheck(IOptions<ScoringOptions> options, ILogger<ScoringStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        using var probe = ItemFactorModelExporter.Export("startup-probe", [1f], 1, ["probe"]);
        using var model = ScoringModel.Load(probe, options.Value, warning => logger.LogWarning("{Warning}", warning));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
