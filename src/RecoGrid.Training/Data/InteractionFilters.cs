using System.Text.Json.Nodes;

namespace RecoGrid.Training.Data;

/// <summary>
/// Which interactions a load keeps, whatever the source: a value threshold per row, then (after duplicates are merged)
/// minimum distinct items per user and minimum distinct users per item.
/// </summary>
public sealed record InteractionFilters
{
    /// <summary>Rows whose value is at least this are positives; the rest are dropped. Null keeps every row.</summary>
    public float? MinValue { get; init; }

    /// <summary>With <see cref="MinValue"/> set, keep the value as the weight instead of binarizing positives to 1.</summary>
    public bool KeepValues { get; init; }

    /// <summary>Users with fewer distinct items than this (after thresholding and merging duplicates) are dropped.</summary>
    public int MinUserInteractions { get; init; }

    /// <summary>Items with fewer distinct users than this (after the user filter) are dropped.</summary>
    public int MinItemUsers { get; init; }

    /// <summary>Repeat the user and item filters until neither removes anything, instead of one pass of each.</summary>
    public bool FilterToFixedPoint { get; init; }

    /// <summary>Throws with a message naming the offending setting.</summary>
    public void Validate()
    {
        if (MinUserInteractions < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MinUserInteractions), MinUserInteractions, "MinUserInteractions must be zero or more.");
        }

        if (MinItemUsers < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MinItemUsers), MinItemUsers, "MinItemUsers must be zero or more.");
        }
    }

    /// <summary>The settings as recorded in manifests and reports.</summary>
    public JsonObject ToJson() => AddTo([]);

    /// <summary>Adds the settings' keys to <paramref name="json"/> and returns it.</summary>
    internal JsonObject AddTo(JsonObject json)
    {
        json["min_value"] = MinValue;
        json["keep_values"] = KeepValues;
        json["min_user_interactions"] = MinUserInteractions;
        json["min_item_users"] = MinItemUsers;
        json["filter_fixed_point"] = FilterToFixedPoint;
        return json;
    }
}
