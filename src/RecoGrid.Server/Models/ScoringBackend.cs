using System.Collections.Immutable;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Catalog;
using RecoGrid.Grains.Scoring;
using RecoGrid.Scoring;
using RecoGrid.Scoring.Hosting;
using RecoGrid.Scoring.Retrieval;

namespace RecoGrid.Server.Models;

/// <summary>A scoring silo's engine behind its scoring grains: exact or two-stage ONNX Runtime ranking with catalogue filters.</summary>
public sealed class ScoringBackend(ScoringEngine engine, CatalogView catalog) : IScoringBackend
{
    public async Task<ScoreResponse> ScoreAsync(ScoreCall call, CancellationToken cancellationToken)
    {
        var view = await catalog.GetAsync(cancellationToken);
        var model = engine.GetModel(call.ModelVersion);
        if (model is null)
        {
            return new ScoreResponse(ScoreStatus.VersionNotLoaded, [], call.ModelVersion, TimeSpan.Zero,
                $"Model version '{call.ModelVersion}' is not loaded here (active: {engine.ActiveVersion ?? "none"}).");
        }

        // Unavailable items and the category filter are checked per candidate against the silo's catalogue copy.
        var ids = model.ItemIds;
        var category = call.Category;
        bool Filter(int index) => view.IsRecommendable(ids[index], category);
        try
        {
            var result = await engine.ScoreAsync(new ScoringRequest
            {
                ModelVersion = call.ModelVersion,
                UserVector = call.UserVector,
                Count = call.Count,
                ExcludeItemIds = call.Exclude,
                ExcludeItemIndices = call.ExcludeIndices,
                Filter = Filter,
                Category = category,
                Retrieval = RetrievalNames.TryParse(call.Retrieval, out var retrieval) ? retrieval : RetrievalMode.Auto,
                RecentItemIds = call.Recent,
            }, cancellationToken);
            return ScoreResponse.Ranked(result.ModelVersion, ToWire(result.Items), RetrievalNames.Of(result.Retrieval));
        }
        catch (ScoringOverloadedException overloaded)
        {
            return new ScoreResponse(ScoreStatus.Overloaded, [], call.ModelVersion, overloaded.RetryAfter, overloaded.Message);
        }
        catch (ModelVersionNotLoadedException missing)
        {
            return new ScoreResponse(ScoreStatus.VersionNotLoaded, ImmutableArray<Abstractions.ScoredItem>.Empty, call.ModelVersion, TimeSpan.Zero, missing.Message);
        }
    }

    public async Task<ScoreResponse> SimilarAsync(SimilarCall call, CancellationToken cancellationToken)
    {
        var view = await catalog.GetAsync(cancellationToken);
        var model = engine.GetModel(call.ModelVersion);
        if (model is null)
        {
            return new ScoreResponse(ScoreStatus.VersionNotLoaded, [], call.ModelVersion, TimeSpan.Zero,
                $"Model version '{call.ModelVersion}' is not loaded here (active: {engine.ActiveVersion ?? "none"}).");
        }

        var ids = model.ItemIds;
        var category = call.Category;
        try
        {
            var result = await engine.SimilarAsync(new SimilarItemsRequest
            {
                ModelVersion = call.ModelVersion,
                ItemId = call.ItemId,
                Count = call.Count,
                Filter = index => view.IsRecommendable(ids[index], category),
            }, cancellationToken);
            return ScoreResponse.Ranked(result.ModelVersion, ToWire(result.Items));
        }
        catch (ScoringOverloadedException overloaded)
        {
            return new ScoreResponse(ScoreStatus.Overloaded, [], call.ModelVersion, overloaded.RetryAfter, overloaded.Message);
        }
        catch (ModelVersionNotLoadedException missing)
        {
            return new ScoreResponse(ScoreStatus.VersionNotLoaded, [], call.ModelVersion, TimeSpan.Zero, missing.Message);
        }
        catch (ItemNotInModelException unknown)
        {
            return new ScoreResponse(ScoreStatus.UnknownItem, [], call.ModelVersion, TimeSpan.Zero, unknown.Message);
        }
        catch (NotSupportedException unsupported)
        {
            return new ScoreResponse(ScoreStatus.Unsupported, [], call.ModelVersion, TimeSpan.Zero, unsupported.Message);
        }
    }

    /// <summary>The engine's items as the grain contract's, in one exactly sized array (no iterator, no intermediate copy).</summary>
    private static ImmutableArray<Abstractions.ScoredItem> ToWire(IReadOnlyList<Scoring.ScoredItem> items)
    {
        var wire = ImmutableArray.CreateBuilder<Abstractions.ScoredItem>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            wire.Add(new Abstractions.ScoredItem(items[i].ItemId, items[i].Score));
        }

        return wire.MoveToImmutable();
    }
}
