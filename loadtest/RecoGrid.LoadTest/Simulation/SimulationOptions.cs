using System.CommandLine;
using System.Globalization;

namespace RecoGrid.LoadTest.Simulation;

/// <summary>The options of the simulated-population run (open loop, closed loop, --find-max, --prepare, reports).</summary>
internal sealed class SimulationOptions
{
    public Option<double?> Rate { get; } = new("--rate") { Description = "Open loop: target requests per second (Poisson arrivals; latency counts from each request's scheduled time, free of coordinated omission). With --find-max: the first rate tried (default 200)." };
    public Option<string?> RateSteps { get; } = new("--rate-steps") { Description = "Open loop, stepped: rate[:duration],… e.g. 1000:30s,2000:30s,4000:30s (a step without a duration lasts --step-duration)." };
    public Option<string> StepDuration { get; } = new("--step-duration") { Description = "Length of a --rate-steps step without its own, and of each --find-max step.", DefaultValueFactory = _ => "20s" };
    public Option<bool> ClosedLoop { get; } = new("--closed-loop") { Description = "Closed loop: --concurrency callers, each sending its next request when the last is answered (the simulated population and reports, no target rate)." };
    public Option<long?> Requests { get; } = new("--requests") { Description = "Stop after this many requests (besides --duration)." };
    public Option<string> Mix { get; } = new("--mix") { Description = "Request mix, e.g. events=20,recommendations=80 (relative weights).", DefaultValueFactory = _ => RequestMix.Default.ToString() };
    public Option<double> UserSkew { get; } = new("--user-skew") { Description = "Zipf exponent of user activity.", DefaultValueFactory = _ => 0.8 };
    public Option<double> ItemSkew { get; } = new("--item-skew") { Description = "Zipf exponent of item popularity.", DefaultValueFactory = _ => 1.0 };
    public Option<double> NewUsersPerSecond { get; } = new("--new-users-per-second") { Description = "Users never seen before (ids past --users) arriving per second.", DefaultValueFactory = _ => 10 };
    public Option<double> SessionLength { get; } = new("--session-length") { Description = "Requests per user session on average (its event batches first, then recommendation requests).", DefaultValueFactory = _ => 5 };
    public Option<bool> Http2 { get; } = new("--http2") { Description = "Use HTTP/2 (h2c with prior knowledge on http://, ALPN on https://) instead of HTTP/1.1." };
    public Option<int> Connections { get; } = new("--connections") { Description = "Most connections to the API.", DefaultValueFactory = _ => 256 };
    public Option<int> MaxInFlight { get; } = new("--max-in-flight") { Description = "Open loop: most requests outstanding; a request due beyond it is not sent and counts as an error (client-saturated).", DefaultValueFactory = _ => 20_000 };
    public Option<bool> FindMax { get; } = new("--find-max") { Description = "Step the open-loop rate up (×--find-max-factor per --step-duration, then bisect) to the highest that holds --slo-p99 and --max-error-rate, and report it." };
    public Option<string> SloP99 { get; } = new("--slo-p99") { Description = "With --find-max: the p99 latency each endpoint must stay under (e.g. 50ms).", DefaultValueFactory = _ => "50ms" };
    public Option<double> MaxErrorRate { get; } = new("--max-error-rate") { Description = "With --find-max: the largest share of failed requests a rate may have.", DefaultValueFactory = _ => 0.01 };
    public Option<double> FindMaxFactor { get; } = new("--find-max-factor") { Description = "With --find-max: rate growth per step.", DefaultValueFactory = _ => 1.5 };
    public Option<int> FindMaxSteps { get; } = new("--find-max-steps") { Description = "With --find-max: most growth steps.", DefaultValueFactory = _ => 20 };
    public Option<bool> PrepareModel { get; } = new("--prepare") { Description = "Before the run: generate interactions for --users × --items, train a model (`recogrid train`) and promote it in the node's data folder, so the model path is measured (needs --start-server, or --recogrid with --server-data-dir)." };
    public Option<bool> PreparePlanted { get; } = new("--prepare-planted") { Description = "Like --prepare, but promote planted factors (`recogrid generate --artifact`) instead of training: for populations too large to train here." };
    public Option<long?> PrepareInteractions { get; } = new("--prepare-interactions") { Description = "With --prepare: interactions to generate and train on (default 20 per user)." };
    public Option<string?> Recogrid { get; } = new("--recogrid") { Description = "Path to recogrid.dll for --prepare when the node is not started by the load test (default: --start-server's)." };
    public Option<string> Out { get; } = new("--out") { Description = "Folder for report.json, report.md and the charts (latency.png, throughput.png, errors.png).", DefaultValueFactory = _ => "loadtest-results" };

    public IEnumerable<Option> All => [Rate, RateSteps, StepDuration, ClosedLoop, Requests, Mix, UserSkew, ItemSkew, NewUsersPerSecond, SessionLength, Http2, Connections, MaxInFlight, FindMax, SloP99, MaxErrorRate, FindMaxFactor, FindMaxSteps, PrepareModel, PreparePlanted, PrepareInteractions, Recogrid, Out];

    /// <summary>Whether the command line asks for the simulated-population run rather than the --phases.</summary>
    public bool Requested(ParseResult parse) =>
        parse.GetValue(Rate) is not null || parse.GetValue(RateSteps) is not null || parse.GetValue(ClosedLoop) || parse.GetValue(FindMax);

    /// <summary>The plan the command line describes.</summary>
    public SimulationPlan Plan(ParseResult parse, PopulationSettings population, int concurrency, TimeSpan duration, TimeSpan warmUp)
    {
        var stepDuration = RateSchedule.ParseDuration(parse.GetValue(StepDuration)!, "--step-duration");
        var transport = new TransportSettings(parse.GetValue(Http2), Math.Max(1, parse.GetValue(Connections)), Math.Max(1, parse.GetValue(MaxInFlight)), TimeSpan.FromSeconds(30));
        FindMaxPlan? findMax = null;
        IReadOnlyList<RateStep>? steps = null;
        if (parse.GetValue(FindMax))
        {
            var slo = RateSchedule.ParseDuration(parse.GetValue(SloP99)!, "--slo-p99").TotalMilliseconds;
            findMax = new FindMaxPlan(parse.GetValue(Rate) ?? 200, Math.Max(1.05, parse.GetValue(FindMaxFactor)), stepDuration, slo, parse.GetValue(MaxErrorRate), Math.Max(1, parse.GetValue(FindMaxSteps)), Refinements: 3, warmUp);
        }
        else if (parse.GetValue(RateSteps) is { } text)
        {
            steps = RateSchedule.ParseSteps(text, stepDuration);
        }
        else if (parse.GetValue(Rate) is { } rate && !parse.GetValue(ClosedLoop))
        {
            steps = rate > 0 ? [new RateStep(rate, duration)] : throw new FormatException("--rate must be positive.");
        }

        return new SimulationPlan(population, transport, steps, concurrency, duration, parse.GetValue(Requests) ?? long.MaxValue, findMax);
    }

    public static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
