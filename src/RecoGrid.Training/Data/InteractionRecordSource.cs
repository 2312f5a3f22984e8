using System.Text.Json.Nodes;

namespace RecoGrid.Training.Data;

/// <summary>One interaction handed over in memory: ids as the product names them, a weight and unix seconds.</summary>
/// <param name="UserId">The user's id; must not be empty.</param>
/// <param name="ItemId">The item's id; must not be empty.</param>
/// <param name="Weight">The interaction's weight (or raw value, when a minimum value is set); must be finite.</param>
/// <param name="Timestamp">When it happened, in unix seconds; 0 when unknown.</param>
public readonly record struct InteractionRecord(string UserId, string ItemId, float Weight, long Timestamp = 0);

/// <summary>
/// Interactions enumerated in memory, such as a scheduled job reading the server's interaction log, built into the
/// same <see cref="InteractionData"/> a file with the same rows would give: same merge of duplicate pairs (weights
/// summed, latest time kept), same filters, ids numbered in first-seen order.
/// </summary>
/// <param name="records">Enumerated once per <see cref="Load"/>.</param>
/// <param name="filters">Value threshold and minimum counts; none when null.</param>
/// <param name="description">Names the source in errors and in the manifest, e.g. "interaction log".</param>
/// <param name="withTimestamps">Whether to keep each pair's latest timestamp (needed by the time split).</param>
public sealed class InteractionRecordSource(
    IEnumerable<InteractionRecord> records,
    InteractionFilters? filters = null,
    string description = "records",
    bool withTimestamps = true) : IInteractionSource
{
    private readonly InteractionFilters _filters = filters ?? new InteractionFilters();

    /// <summary>Names the source in errors and in the manifest.</summary>
    public string Description { get; } = description;

    /// <summary>A source of (user, item, weight) pairs without timestamps.</summary>
    public static InteractionRecordSource FromTuples(
        IEnumerable<(string User, string Item, float Weight)> interactions,
        InteractionFilters? filters = null,
        string description = "records") =>
        new(interactions.Select(i => new InteractionRecord(i.User, i.Item, i.Weight)), filters, description, withTimestamps: false);

    /// <inheritdoc />
    public InteractionData Load(CancellationToken cancellationToken)
    {
        _filters.Validate();
        var accumulator = new InteractionAccumulator(_filters, withTimestamps);
        long number = 0;
        foreach (var record in records)
        {
            number++;
            if ((number & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (string.IsNullOrEmpty(record.UserId) || string.IsNullOrEmpty(record.ItemId))
            {
                throw new InteractionFormatException(Description, 0, $"record {number}: the {(string.IsNullOrEmpty(record.UserId) ? "user" : "item")} id is empty.");
            }

            if (!float.IsFinite(record.Weight))
            {
                throw new InteractionFormatException(Description, 0, $"record {number}: the weight {record.Weight} is not a finite number.");
            }

            accumulator.Add(record.UserId, record.ItemId, record.Weight, record.Timestamp);
        }

        if (accumulator.RowsParsed == 0)
        {
            throw new InteractionFormatException(Description, 0, "no interactions found (the source gave no records).");
        }

        return accumulator.Build(Description, number, badLines: 0, cancellationToken);
    }

    /// <inheritdoc />
    public JsonObject Describe() => _filters.AddTo(new JsonObject { ["input"] = Description });
}
