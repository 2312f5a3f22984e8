using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Catalog;
using RecoGrid.Grains.Common;
using RecoGrid.Grains.Models;
using RecoGrid.Server.Events;

namespace RecoGrid.Api;

/// <summary>/v1/items: the item catalogue.</summary>
public static class ItemsApi
{
    private const int MaxCategories = 64;
    private const int MaxProperties = 64;
    private const int MaxPropertyValueLength = 4096;

    public static RouteGroupBuilder MapItemsApi(this RouteGroupBuilder group)
    {
        group.MapPut("/items/{itemId}", PutItem)
            .WithName("PutItem")
            .WithSummary("Create or replace an item's metadata.")
            .Accepts<ItemDto>("application/json")
            .Produces<ItemResponse>()
            .ProducesValidationProblem();

        group.MapPost("/items:batch", PostItems)
            .WithName("PostItemsBatch")
            .WithSummary("Create or replace many items at once (all or nothing).")
            .Accepts<ItemBatchRequest>("application/json")
            .Produces<ItemsAccepted>()
            .ProducesValidationProblem();

        group.MapGet("/items/{itemId}", GetItem)
            .WithName("GetItem")
            .WithSummary("Read an item's metadata.")
            .Produces<ItemResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesValidationProblem();

        group.MapGet("/items/{itemId}/similar", GetSimilarItems)
            .WithName("GetSimilarItems")
            .WithSummary("The items most similar to an item: cosine of item factors in the promoted model.")
            .WithDescription("Ranked on a scoring silo by the model version's similar-items ONNX graph (micro-batched like recommendations). The item itself, unavailable items and, with `category`, items outside it are left out. 404 when the promoted model has no factors for the item (unknown to it, or catalogued after it was trained).")
            .Produces<SimilarItemsResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    private static async Task<IResult> GetSimilarItems(
        string itemId, HttpContext http, IGrainFactory grains, IActiveModelSource models, IOptions<ModelPathOptions> paths, IOptions<ApiOptions> api, int? count, string? category, string? idEncoding)
    {
        var errors = new FieldErrors();
        if (PathIds.Resolve(itemId, idEncoding, out itemId) is { } idProblem)
        {
            errors.Add("itemId", idProblem);
        }

        var wanted = count ?? 10;
        if (wanted < 1 || wanted > api.Value.MaxRecommendations)
        {
            errors.Add("count", $"must be between 1 and {api.Value.MaxRecommendations} (got {wanted})");
        }

        if (category is not null && Ids.CheckLabel(category) is { } categoryProblem)
        {
            errors.Add("category", categoryProblem);
        }

        if (!errors.IsEmpty)
        {
            return errors.ToProblem("The similar-items request is invalid.");
        }

        var model = models.Current;
        if (model is null || !model.ItemIndex.ContainsKey(itemId))
        {
            return NotInModel(itemId, model?.Version);
        }

        var call = new SimilarCall(model.Version, itemId, wanted, string.IsNullOrEmpty(category) ? null : Ids.Normalize(category));
        var response = await grains.Reference<IScoringGrain>(ShardHash.Shard(itemId, paths.Value.Partitions)).Similar(call);
        switch (response.Status)
        {
            case ScoreStatus.Ok:
                return TypedResults.Ok(new SimilarItemsResponse(itemId, [.. response.Items.Select(i => new SimilarItem(i.ItemId, i.Score))], response.ModelVersion));
            case ScoreStatus.UnknownItem:
                return NotInModel(itemId, model.Version);
            default:
                // Saturated, or the scoring silos are still loading the promoted version: worth retrying.
                var seconds = Math.Max(1, (int)Math.Ceiling(response.RetryAfter.TotalSeconds));
                http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Similar items are unavailable right now.", detail: $"{response.Detail} Retry after {seconds} s.");
        }
    }

    private static IResult NotInModel(string itemId, string? version) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "The item is not in the model.",
            detail: version is null
                ? $"No model is promoted, so item '{itemId}' has no factors to compare."
                : $"Item '{itemId}' has no factors in model version '{version}' (unknown to it, or catalogued after it was trained).");

    private static async Task<IResult> PutItem(
        string itemId, HttpRequest request, IGrainFactory grains, CatalogView catalog, IOptions<CatalogOptions> options, [FromKeyedServices(RecoGridClock.Key)] TimeProvider time, CancellationToken cancellationToken)
    {
        var (dto, problem) = await RequestBody.ReadAsync<ItemDto>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new FieldErrors();
        if (Ids.Check(itemId) is { } idProblem)
        {
            errors.Add("itemId", idProblem);
        }
        else if (dto!.ItemId is not null && Ids.Normalize(dto.ItemId) != Ids.Normalize(itemId))
        {
            errors.Add("itemId", $"the body names '{dto.ItemId}' but the path names '{itemId}'");
        }

        var record = Validate(dto! with { ItemId = itemId }, "", time.GetUtcNow(), errors);
        if (!errors.IsEmpty)
        {
            return errors.ToProblem("The item is invalid; nothing was written.");
        }

        await Upsert([record!], grains, catalog, options.Value);
        return TypedResults.Ok(ToResponse(record!));
    }

    private static async Task<IResult> PostItems(
        HttpRequest request, IGrainFactory grains, CatalogView catalog, IOptions<CatalogOptions> options, IOptions<ApiOptions> api, [FromKeyedServices(RecoGridClock.Key)] TimeProvider time, CancellationToken cancellationToken)
    {
        var (batch, problem) = await RequestBody.ReadAsync<ItemBatchRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var items = batch!.Items;
        if (items is null || items.Count == 0)
        {
            return RequestBody.Invalid("items", "must hold at least one item");
        }

        if (items.Count > api.Value.MaxItemBatchSize)
        {
            return RequestBody.Invalid("items", $"holds {items.Count} items; the limit is Api:MaxItemBatchSize = {api.Value.MaxItemBatchSize}");
        }

        var errors = new FieldErrors();
        var now = time.GetUtcNow();
        var records = new List<ItemRecord>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var field = $"items[{i}]";
            if (items[i] is null)
            {
                errors.Add(field, "must be an item object");
                continue;
            }

            if (Ids.Check(items[i].ItemId) is { } idProblem)
            {
                errors.Add($"{field}.itemId", idProblem);
                continue;
            }

            if (Validate(items[i], field + ".", now, errors) is { } record)
            {
                records.Add(record);
            }
        }

        if (!errors.IsEmpty)
        {
            return errors.ToProblem($"{errors.Count} field(s) are invalid; no item of this batch was written.");
        }

        // Last write wins within a batch, as it would across requests.
        var distinct = records.GroupBy(r => r.ItemId, StringComparer.Ordinal).Select(g => g.Last()).ToList();
        await Upsert(distinct, grains, catalog, options.Value);
        return TypedResults.Ok(new ItemsAccepted(records.Count));
    }

    private static async Task<IResult> GetItem(string itemId, IGrainFactory grains, IOptions<CatalogOptions> options, string? idEncoding)
    {
        if (PathIds.Resolve(itemId, idEncoding, out itemId) is { } problem)
        {
            return RequestBody.Invalid("itemId", problem);
        }

        var item = await grains.GetGrain<ICatalogShardGrain>(ShardHash.Shard(itemId, options.Value.Shards)).Get(itemId);
        return item is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such item.", detail: $"Item '{itemId}' is not in the catalogue.")
            : TypedResults.Ok(ToResponse(item));
    }

    private static async Task Upsert(IReadOnlyCollection<ItemRecord> records, IGrainFactory grains, CatalogView catalog, CatalogOptions options)
    {
        await Task.WhenAll(records
            .GroupBy(r => ShardHash.Shard(r.ItemId, options.Shards))
            .Select(g => grains.GetGrain<ICatalogShardGrain>(g.Key).Upsert([.. g])));
        catalog.Apply([.. records]);
    }

    private static ItemRecord? Validate(ItemDto dto, string prefix, DateTimeOffset now, FieldErrors errors)
    {
        var before = errors.Count;
        var categories = dto.Categories ?? [];
        if (categories.Count > MaxCategories)
        {
            errors.Add($"{prefix}categories", $"lists {categories.Count} categories; at most {MaxCategories} are allowed");
        }

        for (var i = 0; i < categories.Count; i++)
        {
            if (Ids.CheckLabel(categories[i]) is { } problem)
            {
                errors.Add($"{prefix}categories[{i}]", problem);
            }
        }

        var properties = dto.Properties ?? ImmutableDictionary<string, string>.Empty;
        if (properties.Count > MaxProperties)
        {
            errors.Add($"{prefix}properties", $"holds {properties.Count} properties; at most {MaxProperties} are allowed");
        }

        foreach (var (key, value) in properties)
        {
            if (Ids.CheckLabel(key) is { } keyProblem)
            {
                errors.Add($"{prefix}properties", $"key '{key}' {keyProblem}");
            }
            else if (value is null || value.Length > MaxPropertyValueLength)
            {
                errors.Add($"{prefix}properties.{key}", $"must be a string of at most {MaxPropertyValueLength} characters");
            }
        }

        return errors.Count != before
            ? null
            : new ItemRecord(
                Ids.Normalize(dto.ItemId!),
                [.. categories.Select(Ids.Normalize).Distinct(StringComparer.Ordinal)],
                dto.Available ?? true,
                properties.ToImmutableDictionary(StringComparer.Ordinal),
                now);
    }

    private static ItemResponse ToResponse(ItemRecord item) =>
        new(item.ItemId, item.Categories, item.Available, item.Properties, item.UpdatedAt);
}
