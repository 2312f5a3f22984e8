namespace RecoGrid.Grains.Common;

/// <summary>
/// RecoGrid's own clock is a keyed <see cref="TimeProvider"/>, so tests can fake it without
/// faking the time Orleans itself runs on (membership, activation collection).
/// </summary>
public static class RecoGridClock
{
    /// <summary>The service key of RecoGrid's <see cref="TimeProvider"/>.</summary>
    public const string Key = "recogrid";
}
