namespace RecoGrid.Server.Retraining;

/// <summary>Retraining as the API and the CLI see it: start a run, follow one, list the recorded runs.</summary>
public sealed class RetrainingService(IGrainFactory grains, RetrainingHistory history)
{
    private IRetrainingGrain Grain => grains.GetGrain<IRetrainingGrain>(IRetrainingGrain.Key);

    /// <summary>Starts a run now, unless one is running anywhere in the cluster.</summary>
    public Task<RetrainingStart> StartAsync(string trigger = "manual") => Grain.Start(trigger);

    /// <summary>A run in progress or recorded; null for an unknown id.</summary>
    public Task<RetrainingRun?> GetAsync(string id) => Grain.GetRun(id);

    /// <summary>Every recorded run, newest first.</summary>
    public async Task<IReadOnlyList<RetrainingRun>> HistoryAsync(CancellationToken cancellationToken = default) =>
        [.. (await history.ReadAsync(cancellationToken)).Reverse()];
}
