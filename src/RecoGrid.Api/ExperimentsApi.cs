using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;
using RecoGrid.Server.Events;
using RecoGrid.Server.Experiments;
using RecoGrid.Storage.Models;

namespace RecoGrid.Api;

/// <summary>/v1/admin/experiments and /v1/experiments: A/B experiments between model versions and their results.</summary>
public static class ExperimentsApi
{
    /// <summary>Most variants an experiment may have.</summary>
    public const int MaxVariants = 10;

    /// <summary>One variant of POST /v1/admin/experiments.</summary>
    public sealed record VariantRequest(string? Name, string? ModelVersion, double? Share);

    /// <summary>Body of POST /v1/admin/experiments.</summary>
    public sealed record CreateExperimentRequest(string? Name, IReadOnlyList<VariantRequest>? Variants);

    /// <summary>A variant as stored.</summary>
    public sealed record VariantResponse(string Name, string ModelVersion, double Share);

    /// <summary>An experiment as stored; <c>status</c> is "running" or "stopped".</summary>
    public sealed record ExperimentResponse(
        string ExperimentId, string Name, string Status, IReadOnlyList<VariantResponse> Variants, DateTimeOffset StartedAt, DateTimeOffset? StoppedAt);

    /// <summary>Every experiment, newest first.</summary>
    public sealed record ExperimentListResponse(IReadOnlyList<ExperimentResponse> Experiments);

    /// <summary>
    /// One variant's results: impressions (recommendation responses served with its model), clicks and conversions (events
    /// that carried one of its recommendationIds, by Experiments:ClickTypes and Experiments:ConversionTypes), their rates
    /// per impression, and every event type counted.
    /// </summary>
    public sealed record VariantStatsResponse(
        string Name, string ModelVersion, double Share, long Impressions, long Clicks, long Conversions, double ClickRate, double ConversionRate,
        IReadOnlyDictionary<string, long> Events);

    /// <summary>A two-proportion z-test (pooled, two-sided) of a variant's rate against the first variant's; z and pValue are null when undefined.</summary>
    public sealed record ProportionTestResponse(string Metric, string Control, string Variant, double ControlRate, double VariantRate, double Difference, double? Z, double? PValue);

    /// <summary>Reply of GET /v1/experiments/{experimentId}.</summary>
    public sealed record ExperimentStatsResponse(
        string ExperimentId, string Name, string Status, DateTimeOffset StartedAt, DateTimeOffset? StoppedAt,
        IReadOnlyList<VariantStatsResponse> Variants, IReadOnlyList<ProportionTestResponse> Tests, TimeSpan CountsLagAtMost);

    public static RouteGroupBuilder MapExperimentsApi(this RouteGroupBuilder group)
    {
        var admin = group.MapGroup("/admin/experiments").WithTags("Experiments (admin)");
        admin.MapPost("", Create)
            .WithName("CreateExperiment")
            .WithSummary("Start an A/B experiment between registered model versions.")
            .WithDescription("Each variant names a registered model version and a traffic share; shares are positive and sum to 1. Users are assigned by a stable hash of the experiment and user ids, so a user always sees the same variant. One experiment runs at a time (409 while another runs, or when the name is taken). Model versions other than the promoted one are loaded on every node within Experiments:FlushInterval; scoring nodes need Scoring:MaxLoadedVersions ≥ 1 + the variants' other versions.")
            .Accepts<CreateExperimentRequest>("application/json")
            .Produces<ExperimentResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        admin.MapGet("", List)
            .WithName("ListExperiments")
            .WithSummary("List experiments, newest first.")
            .Produces<ExperimentListResponse>();
        admin.MapGet("/{experimentId}", Get)
            .WithName("GetExperiment")
            .WithSummary("Show one experiment's definition and status.")
            .Produces<ExperimentResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapPost("/{experimentId}:stop", Stop)
            .WithName("StopExperiment")
            .WithSummary("Stop an experiment: users get the promoted model again; its results stay readable. Stopping a stopped one changes nothing.")
            .Produces<ExperimentResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/experiments/{experimentId}", GetStats)
            .WithTags("Experiments (admin)")
            .WithName("GetExperimentStats")
            .WithSummary("Per-variant impressions, clicks, conversions, rates, and two-proportion z-tests against the first variant.")
            .WithDescription("Counts are durable; other nodes' counts arrive within Experiments:FlushInterval (countsLagAtMost), this node's are flushed first. Rates are events per impression; the z-test treats each impression as one trial and is undefined (null) when a rate exceeds 1 or no impression was served.")
            .Produces<ExperimentStatsResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> Create(
        HttpRequest request,
        IGrainFactory grains,
        IModelRegistry registry,
        ExperimentSync sync,
        [FromKeyedServices(RecoGridClock.Key)] TimeProvider time,
        CancellationToken cancellationToken)
    {
        var (body, problem) = await RequestBody.ReadAsync<CreateExperimentRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var registered = await registry.GetAsync(cancellationToken);
        var errors = new FieldErrors();
        if (body!.Name is null)
        {
            errors.Add("name", "is required");
        }
        else if (Ids.CheckLabel(body.Name) is { } nameProblem)
        {
            errors.Add("name", nameProblem);
        }

        var variants = body.Variants ?? [];
        if (variants.Count is < 2 or > MaxVariants)
        {
            errors.Add("variants", $"must hold 2 to {MaxVariants} variants (got {variants.Count})");
        }

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < variants.Count; i++)
        {
            var field = $"variants[{i}]";
            var variant = variants[i];
            if (variant is null)
            {
                errors.Add(field, "must be a variant object");
                continue;
            }

            if (variant.Name is null)
            {
                errors.Add($"{field}.name", "is required");
            }
            else if (Ids.CheckLabel(variant.Name) is { } variantProblem)
            {
                errors.Add($"{field}.name", variantProblem);
            }
            else if (!names.TryAdd(Ids.Normalize(variant.Name), i))
            {
                errors.Add($"{field}.name", $"'{variant.Name}' is also the name of variants[{names[Ids.Normalize(variant.Name)]}]; variant names must be distinct");
            }

            if (variant.ModelVersion is null)
            {
                errors.Add($"{field}.modelVersion", "is required");
            }
            else if (registered.Find(variant.ModelVersion) is null)
            {
                var known = registered.Versions.Count == 0 ? "none is registered" : "registered: " + string.Join(", ", registered.Versions.Select(v => v.Version));
                errors.Add($"{field}.modelVersion", $"'{variant.ModelVersion}' is not a registered model version ({known})");
            }

            if (variant.Share is not { } share)
            {
                errors.Add($"{field}.share", "is required");
            }
            else if (!double.IsFinite(share) || share <= 0 || share > 1)
            {
                errors.Add($"{field}.share", $"must be greater than 0 and at most 1 (got {share})");
            }
        }

        var sum = variants.Sum(v => v?.Share is { } s && double.IsFinite(s) ? s : 0);
        if (variants.All(v => v?.Share is not null) && variants.Count > 0 && Math.Abs(sum - 1) > 1e-9)
        {
            errors.Add("variants", $"shares sum to {sum:R}; they must sum to 1");
        }

        if (!errors.IsEmpty)
        {
            return errors.ToProblem("The experiment is invalid; nothing was started.");
        }

        var experiment = new ExperimentDefinition(
            ExperimentAssignment.NewExperimentId(),
            Ids.Normalize(body.Name!),
            [.. variants.Select(v => new ExperimentVariant(Ids.Normalize(v.Name!), v.ModelVersion!, v.Share!.Value))],
            time.GetUtcNow(),
            null);
        var result = await grains.GetGrain<IExperimentRegistryGrain>(0).Start(experiment);
        switch (result.Refusal)
        {
            case ExperimentRefusal.AnotherRunning:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Another experiment is running.",
                    detail: $"Experiment '{result.Experiment!.Name}' ({result.Experiment.ExperimentId}) is running; stop it first with POST /v1/admin/experiments/{result.Experiment.ExperimentId}:stop.");
            case ExperimentRefusal.DuplicateName:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The experiment name is taken.",
                    detail: $"Experiment {result.Experiment!.ExperimentId} is already named '{experiment.Name}'; choose another name.");
        }

        await sync.SyncNowAsync(cancellationToken);
        return TypedResults.Created($"/v1/admin/experiments/{experiment.ExperimentId}", ToResponse(experiment));
    }

    private static async Task<IResult> List(IGrainFactory grains) =>
        TypedResults.Ok(new ExperimentListResponse([.. (await Snapshot(grains)).Experiments.Reverse().Select(ToResponse)]));

    private static async Task<IResult> Get(string experimentId, IGrainFactory grains) =>
        await Find(grains, experimentId) is { } experiment ? TypedResults.Ok(ToResponse(experiment)) : NotFound(experimentId);

    private static async Task<IResult> Stop(
        string experimentId, IGrainFactory grains, ExperimentSync sync, [FromKeyedServices(RecoGridClock.Key)] TimeProvider time, CancellationToken cancellationToken)
    {
        var stopped = await grains.GetGrain<IExperimentRegistryGrain>(0).Stop(experimentId, time.GetUtcNow());
        if (stopped is null)
        {
            return NotFound(experimentId);
        }

        await sync.SyncNowAsync(cancellationToken);
        return TypedResults.Ok(ToResponse(stopped));
    }

    private static async Task<IResult> GetStats(
        string experimentId, IGrainFactory grains, ExperimentCounters counters, IOptions<ExperimentOptions> options, CancellationToken cancellationToken)
    {
        if (await Find(grains, experimentId) is not { } experiment)
        {
            return NotFound(experimentId);
        }

        // This node's buffered counts first, so that on one node the answer is exact.
        await counters.FlushAsync(cancellationToken);
        var counts = await grains.GetGrain<IExperimentStatsGrain>(experimentId).GetCounts();
        var clickTypes = options.Value.Clicks;
        var conversionTypes = options.Value.Conversions;
        var variants = experiment.Variants.Select((variant, i) =>
        {
            var c = i < counts.Length ? counts[i] : new VariantCounts(0, ImmutableDictionary<string, long>.Empty);
            var clicks = clickTypes.Sum(t => c.Events.GetValueOrDefault(t));
            var conversions = conversionTypes.Sum(t => c.Events.GetValueOrDefault(t));
            return new VariantStatsResponse(
                variant.Name, variant.ModelVersion, variant.Share, c.Impressions, clicks, conversions,
                Rate(clicks, c.Impressions), Rate(conversions, c.Impressions),
                c.Events.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
        }).ToList();

        var tests = new List<ProportionTestResponse>();
        var control = variants[0];
        foreach (var other in variants.Skip(1))
        {
            tests.Add(Test("clickRate", control, other, v => v.Clicks));
            tests.Add(Test("conversionRate", control, other, v => v.Conversions));
        }

        return TypedResults.Ok(new ExperimentStatsResponse(
            experiment.ExperimentId, experiment.Name, Status(experiment), experiment.StartedAt, experiment.StoppedAt, variants, tests, options.Value.FlushInterval));
    }

    private static ProportionTestResponse Test(string metric, VariantStatsResponse control, VariantStatsResponse variant, Func<VariantStatsResponse, long> successes)
    {
        var test = TwoProportionTest.Of(successes(control), control.Impressions, successes(variant), variant.Impressions);
        return new ProportionTestResponse(metric, control.Name, variant.Name, test.RateA, test.RateB, test.Difference, test.Z, test.PValue);
    }

    private static double Rate(long events, long impressions) => impressions == 0 ? 0 : (double)events / impressions;

    private static async Task<ExperimentsSnapshot> Snapshot(IGrainFactory grains) =>
        await grains.GetGrain<IExperimentRegistryGrain>(0).GetSnapshot(-1) ?? new ExperimentsSnapshot(0, []);

    private static async Task<ExperimentDefinition?> Find(IGrainFactory grains, string experimentId) =>
        (await Snapshot(grains)).Experiments.FirstOrDefault(e => string.Equals(e.ExperimentId, experimentId, StringComparison.Ordinal));

    private static IResult NotFound(string experimentId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown experiment.", detail: $"No experiment has the id '{experimentId}'; GET /v1/admin/experiments lists them.");

    private static string Status(ExperimentDefinition experiment) => experiment.IsRunning ? "running" : "stopped";

    private static ExperimentResponse ToResponse(ExperimentDefinition e) =>
        new(e.ExperimentId, e.Name, Status(e), [.. e.Variants.Select(v => new VariantResponse(v.Name, v.ModelVersion, v.Share))], e.StartedAt, e.StoppedAt);
}
