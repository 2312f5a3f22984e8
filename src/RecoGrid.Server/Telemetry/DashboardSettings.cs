namespace RecoGrid.Server.Telemetry;

/// <summary>
/// The Orleans Dashboard (section <c>Dashboard</c>; Orleans' own <c>DashboardOptions</c> keys, such as
/// <c>CounterUpdateIntervalMs</c>, sit beside <see cref="Enabled"/>).
/// </summary>
public sealed class DashboardSettings
{
    public const string Section = "Dashboard";

    /// <summary>Serve the Orleans Dashboard at <c>/dashboard</c> (admin scope when auth is on). Off by default: it profiles every grain call while open.</summary>
    public bool Enabled { get; set; }
}
