using System.Text.Json.Nodes;

namespace RecoGrid.Training.Data;

/// <summary>
/// Interactions as a user × item matrix with the string ids behind each row and column.
/// Ids are kept in first-seen order of the input (filtered ids removed), so row r is <c>UserIds[r]</c>.
/// </summary>
public sealed class InteractionData
{
    private CsrMatrix? _itemUsers;

    public InteractionData(string[] userIds, string[] itemIds, CsrMatrix userItems, long[]? timestamps, InteractionStatistics statistics)
    {
        if (userIds.Length != userItems.Rows || itemIds.Length != userItems.Columns)
        {
            throw new ArgumentException($"Ids ({userIds.Length} users, {itemIds.Length} items) do not match the {userItems.Rows} × {userItems.Columns} matrix.");
        }

        if (timestamps is not null && timestamps.Length != userItems.NonZeros)
        {
            throw new ArgumentException($"timestamps has {timestamps.Length} entries but the matrix has {userItems.NonZeros} non-zeros.", nameof(timestamps));
        }

        UserIds = userIds;
        ItemIds = itemIds;
        UserItems = userItems;
        Timestamps = timestamps;
        Statistics = statistics;
    }

    /// <summary>User id of each row.</summary>
    public string[] UserIds { get; }

    /// <summary>Item id of each column.</summary>
    public string[] ItemIds { get; }

    /// <summary>The user × item matrix of aggregated weights; items sorted within each row.</summary>
    public CsrMatrix UserItems { get; }

    /// <summary>The item × user transpose, built on first use.</summary>
    public CsrMatrix ItemUsers => _itemUsers ??= UserItems.Transpose();

    /// <summary>Latest timestamp of each non-zero, aligned with <see cref="CsrMatrix.Values"/> of <see cref="UserItems"/>; null without a time column.</summary>
    public long[]? Timestamps { get; }

    /// <summary>What the load read, dropped and kept.</summary>
    public InteractionStatistics Statistics { get; }

    /// <summary>Number of users (rows).</summary>
    public int Users => UserItems.Rows;

    /// <summary>Number of items (columns).</summary>
    public int Items => UserItems.Columns;

    /// <summary>Number of distinct (user, item) pairs.</summary>
    public int NonZeros => UserItems.NonZeros;

    /// <summary>Wraps an in-memory matrix (synthetic data, tests), naming users and items by their index.</summary>
    public static InteractionData FromMatrix(CsrMatrix userItems, long[]? timestamps = null)
    {
        var users = new string[userItems.Rows];
        for (var u = 0; u < users.Length; u++)
        {
            users[u] = u.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var items = new string[userItems.Columns];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var statistics = new InteractionStatistics
        {
            RowsParsed = userItems.NonZeros,
            Users = userItems.Rows,
            Items = userItems.Columns,
            NonZeros = userItems.NonZeros,
        };
        return new InteractionData(users, items, userItems, timestamps, statistics);
    }
}

/// <summary>Counts from a load, in the order the loader applies its steps.</summary>
public sealed record InteractionStatistics
{
    /// <summary>Lines read, header and blank lines included.</summary>
    public long Lines { get; init; }

    /// <summary>Malformed lines skipped (only with skip-bad-lines).</summary>
    public long BadLinesSkipped { get; init; }

    /// <summary>Data rows parsed successfully.</summary>
    public long RowsParsed { get; init; }

    /// <summary>Rows dropped for a value below the minimum.</summary>
    public long RowsBelowMinValue { get; init; }

    /// <summary>Rows merged into an earlier row for the same (user, item) pair.</summary>
    public long DuplicatesMerged { get; init; }

    /// <summary>Users dropped by the minimum-interactions filter.</summary>
    public int UsersFiltered { get; init; }

    /// <summary>Items dropped by the minimum-users filter, or left with no users by the user filter.</summary>
    public int ItemsFiltered { get; init; }

    /// <summary>Users kept.</summary>
    public int Users { get; init; }

    /// <summary>Items kept.</summary>
    public int Items { get; init; }

    /// <summary>Distinct (user, item) pairs kept.</summary>
    public long NonZeros { get; init; }

    /// <summary>Fraction of the user × item matrix that is non-zero.</summary>
    public double Density => Users == 0 || Items == 0 ? 0 : NonZeros / ((double)Users * Items);

    /// <summary>The counts as recorded in manifests and reports (snake_case keys; <see cref="NonZeros"/> is "interactions").</summary>
    public JsonObject ToJson() => new()
    {
        ["lines"] = Lines,
        ["rows_parsed"] = RowsParsed,
        ["bad_lines_skipped"] = BadLinesSkipped,
        ["rows_below_min_value"] = RowsBelowMinValue,
        ["duplicates_merged"] = DuplicatesMerged,
        ["users_filtered"] = UsersFiltered,
        ["items_filtered"] = ItemsFiltered,
        ["users"] = Users,
        ["items"] = Items,
        ["interactions"] = NonZeros,
        ["density"] = Density,
    };
}
