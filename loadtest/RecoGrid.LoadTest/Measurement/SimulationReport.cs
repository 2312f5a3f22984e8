using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using RecoGrid.LoadTest.Simulation;

namespace RecoGrid.LoadTest.Measurement;

/// <summary>One endpoint over the whole run.</summary>
internal sealed record EndpointSummary(string Endpoint, long Sent, long Ok, IReadOnlyDictionary<string, long> Errors, double OkPerSecond, Percentiles Latency);

/// <summary>One second of the run, both endpoints.</summary>
internal sealed record SecondSummary(int Second, double TargetRate, SecondSample Events, SecondSample Recommendations);

/// <summary>One rate --find-max tried.</summary>
internal sealed record FindMaxStep(double Rate, double Seconds, double AchievedRate, double WorstP99Ms, double ErrorRate, bool Passed, string Verdict);

/// <summary>The outcome of --find-max.</summary>
internal sealed record FindMaxResult(double SloP99Ms, double MaxErrorRate, double? MaxRate, IReadOnlyList<FindMaxStep> Steps, string Bound);

/// <summary>Everything a run reports, as report.json holds it.</summary>
internal sealed record SimulationReport(
    DateTimeOffset At,
    string Mode,
    string Target,
    bool Http2,
    int ClientProcessors,
    double? ServerStartupSeconds,
    PopulationSettings Population,
    string Mix,
    IReadOnlyList<RateStep>? RateSteps,
    int? Concurrency,
    double Seconds,
    long Sent,
    long ClientSaturated,
    long NewUsers,
    double ModelShare,
    IReadOnlyList<EndpointSummary> Endpoints,
    IReadOnlyList<SecondSummary> Timeline,
    FindMaxResult? FindMax)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static SimulationReport FromJson(string json) => JsonSerializer.Deserialize<SimulationReport>(json, Json)!;

    /// <summary>A Markdown summary: settings, per-endpoint latency and errors, the --find-max steps, the charts.</summary>
    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"# RecoGrid load test ({Mode})");
        md.AppendLine();
        md.AppendLine(c, $"- target: {Target} ({(Http2 ? "HTTP/2" : "HTTP/1.1")}), at {At:u}, client processors: {ClientProcessors}");
        md.AppendLine(c, $"- population: {Population.Users:N0} users (Zipf {Population.UserSkew}), {Population.Items:N0} items (Zipf {Population.ItemSkew}), {Population.NewUsersPerSecond} new users/s ({NewUsers:N0} arrived), sessions of {Population.SessionLength} requests on average, mix {Mix}");
        if (RateSteps is { Count: > 0 } steps)
        {
            md.AppendLine(c, $"- open loop, Poisson arrivals: {string.Join(", ", steps.Select(s => string.Create(c, $"{s.RequestsPerSecond:0.#}/s for {s.Duration.TotalSeconds:0.#} s")))}");
        }
        else if (Concurrency is { } callers)
        {
            md.AppendLine(c, $"- closed loop: {callers} callers");
        }

        md.AppendLine(c, $"- {Seconds:F1} s, {Sent:N0} requests sent, {ClientSaturated:N0} not sent in time (client saturated), {ModelShare:P1} of recommendations from the model");
        if (ServerStartupSeconds is { } startup)
        {
            md.AppendLine(c, $"- node started by the load test: {startup:F2} s to /readyz");
        }

        md.AppendLine();
        md.AppendLine("| endpoint | ok | ok/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var e in Endpoints)
        {
            var errors = e.Errors.Count == 0 ? "none" : string.Join(", ", e.Errors.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => string.Create(c, $"{p.Key}: {p.Value}")));
            md.AppendLine(c, $"| {e.Endpoint} | {e.Ok:N0} | {e.OkPerSecond:F0} | {e.Latency.P50:F2} | {e.Latency.P90:F2} | {e.Latency.P99:F2} | {e.Latency.P999:F2} | {e.Latency.Max:F2} | {errors} |");
        }

        if (FindMax is { } find)
        {
            md.AppendLine();
            md.AppendLine(c, $"## Highest rate at p99 ≤ {find.SloP99Ms} ms (errors ≤ {find.MaxErrorRate:P1}): {(find.MaxRate is { } max ? string.Create(c, $"**{max:F0} requests/s**") : "none of the rates tried")}");
            md.AppendLine();
            md.AppendLine(c, $"{find.Bound}");
            md.AppendLine();
            md.AppendLine("| target/s | achieved/s | worst p99 ms | errors | verdict |");
            md.AppendLine("|---:|---:|---:|---:|---|");
            foreach (var s in find.Steps)
            {
                md.AppendLine(c, $"| {s.Rate:F0} | {s.AchievedRate:F0} | {s.WorstP99Ms:F2} | {s.ErrorRate:P2} | {s.Verdict} |");
            }
        }

        md.AppendLine();
        md.AppendLine("![latency](latency.png)");
        md.AppendLine();
        md.AppendLine("![throughput](throughput.png)");
        md.AppendLine();
        md.AppendLine("![errors](errors.png)");
        return md.ToString();
    }
}
