namespace RecoGrid.Training.Data;

/// <summary>
/// Turns parsed (user, item, weight, time) rows into CSR: two stable counting sorts (by item, then by user)
/// leave every row's items ascending in O(rows + users + items); duplicates are then merged in place
/// (weights summed, latest time kept), and the user and item filters applied.
/// </summary>
internal static class CsrAssembler
{
    /// <summary>The assembled matrix, with old-to-new index maps (-1 for a dropped id) and counts.</summary>
    internal sealed record Result(
        CsrMatrix Matrix,
        long[]? Timestamps,
        int[] UserIndex,
        int[] ItemIndex,
        long DuplicatesMerged,
        int UsersFiltered,
        int ItemsFiltered);

    public static Result Assemble(
        TripletBuffer rows,
        int userCount,
        int itemCount,
        int minUserInteractions,
        int minItemUsers,
        bool fixedPoint,
        CancellationToken cancellationToken)
    {
        var n = rows.Count;
        var users = rows.Users;
        var items = rows.Items;

        // Pass 1: order rows by item (stable).
        var order = ItemOrder(items, n, itemCount);
        cancellationToken.ThrowIfCancellationRequested();

        // Pass 2: scatter by user in item order, so each user's items come out ascending.
        var rowPointers = new int[userCount + 1];
        for (var k = 0; k < n; k++)
        {
            rowPointers[users[k] + 1]++;
        }

        for (var u = 0; u < userCount; u++)
        {
            rowPointers[u + 1] += rowPointers[u];
        }

        var next = rowPointers[..^1];
        var sortedItems = GC.AllocateUninitializedArray<int>(n);
        var sortedValues = GC.AllocateUninitializedArray<float>(n);
        var sortedTimes = rows.Timestamps is null ? null : GC.AllocateUninitializedArray<long>(n);
        var values = rows.Values;
        var times = rows.Timestamps;
        foreach (var k in order.AsSpan(0, n))
        {
            var slot = next[users[k]]++;
            sortedItems[slot] = items[k];
            sortedValues[slot] = values[k];
            if (sortedTimes is not null)
            {
                sortedTimes[slot] = times![k];
            }
        }

        rows.Release();
        cancellationToken.ThrowIfCancellationRequested();
        var duplicates = MergeDuplicates(rowPointers, sortedItems, sortedValues, sortedTimes);
        var (userIndex, keptUsers, itemIndex, keptItems) =
            Filter(rowPointers, sortedItems, userCount, itemCount, minUserInteractions, minItemUsers, fixedPoint);
        var (matrix, keptTimes) = Compact(rowPointers, sortedItems, sortedValues, sortedTimes, userIndex, keptUsers, itemIndex, keptItems);
        return new Result(matrix, keptTimes, userIndex, itemIndex, duplicates, userCount - keptUsers, itemCount - keptItems);
    }

    private static int[] ItemOrder(int[] items, int n, int itemCount)
    {
        var starts = new int[itemCount + 1];
        for (var k = 0; k < n; k++)
        {
            starts[items[k] + 1]++;
        }

        for (var i = 0; i < itemCount; i++)
        {
            starts[i + 1] += starts[i];
        }

        var order = GC.AllocateUninitializedArray<int>(n);
        for (var k = 0; k < n; k++)
        {
            order[starts[items[k]]++] = k;
        }

        return order;
    }

    /// <summary>Merges equal items within each row in place and rewrites <paramref name="rowPointers"/>.</summary>
    private static long MergeDuplicates(int[] rowPointers, int[] items, float[] values, long[]? times)
    {
        long merged = 0;
        var write = 0;
        var start = rowPointers[0];
        for (var r = 0; r < rowPointers.Length - 1; r++)
        {
            var end = rowPointers[r + 1];
            rowPointers[r] = write;
            for (var k = start; k < end; k++)
            {
                if (write > rowPointers[r] && items[write - 1] == items[k])
                {
                    values[write - 1] += values[k];
                    if (times is not null && times[k] > times[write - 1])
                    {
                        times[write - 1] = times[k];
                    }

                    merged++;
                    continue;
                }

                items[write] = items[k];
                values[write] = values[k];
                if (times is not null)
                {
                    times[write] = times[k];
                }

                write++;
            }

            start = end;
        }

        rowPointers[^1] = write;
        return merged;
    }

    /// <summary>
    /// The user filter then the item filter, once each (or until nothing changes). Users or items left with
    /// no interactions are always dropped, whatever the minimums.
    /// </summary>
    private static (int[] UserIndex, int KeptUsers, int[] ItemIndex, int KeptItems) Filter(
        int[] rowPointers, int[] items, int userCount, int itemCount, int minUser, int minItem, bool fixedPoint)
    {
        var keepUser = new bool[userCount];
        var keepItem = new bool[itemCount];
        Array.Fill(keepItem, true);
        Array.Fill(keepUser, true);
        var itemUsers = new int[itemCount];
        bool changed;
        do
        {
            changed = false;
            for (var u = 0; u < userCount; u++)
            {
                if (!keepUser[u])
                {
                    continue;
                }

                var length = 0;
                for (var k = rowPointers[u]; k < rowPointers[u + 1]; k++)
                {
                    length += keepItem[items[k]] ? 1 : 0;
                }

                if (length == 0 || length < minUser)
                {
                    keepUser[u] = false;
                    changed = true;
                }
            }

            Array.Clear(itemUsers);
            for (var u = 0; u < userCount; u++)
            {
                if (keepUser[u])
                {
                    for (var k = rowPointers[u]; k < rowPointers[u + 1]; k++)
                    {
                        itemUsers[items[k]]++;
                    }
                }
            }

            for (var i = 0; i < itemCount; i++)
            {
                if (keepItem[i] && (itemUsers[i] == 0 || itemUsers[i] < minItem))
                {
                    keepItem[i] = false;
                    changed = true;
                }
            }
        }
        while (fixedPoint && changed);

        // A single pass can leave a user whose every item was filtered: drop it rather than keep an empty row.
        if (!fixedPoint)
        {
            for (var u = 0; u < userCount; u++)
            {
                if (keepUser[u])
                {
                    var any = false;
                    for (var k = rowPointers[u]; k < rowPointers[u + 1] && !any; k++)
                    {
                        any = keepItem[items[k]];
                    }

                    keepUser[u] = any;
                }
            }
        }

        var (userIndex, keptUsers) = Renumber(keepUser);
        var (itemIndex, keptItems) = Renumber(keepItem);
        return (userIndex, keptUsers, itemIndex, keptItems);
    }

    private static (int[] Index, int Kept) Renumber(bool[] keep)
    {
        var index = new int[keep.Length];
        var kept = 0;
        for (var i = 0; i < keep.Length; i++)
        {
            index[i] = keep[i] ? kept++ : -1;
        }

        return (index, kept);
    }

    private static (CsrMatrix Matrix, long[]? Times) Compact(
        int[] rowPointers, int[] items, float[] values, long[]? times,
        int[] userIndex, int keptUsers, int[] itemIndex, int keptItems)
    {
        var nonZeros = 0;
        for (var u = 0; u < userIndex.Length; u++)
        {
            if (userIndex[u] >= 0)
            {
                for (var k = rowPointers[u]; k < rowPointers[u + 1]; k++)
                {
                    nonZeros += itemIndex[items[k]] >= 0 ? 1 : 0;
                }
            }
        }

        if (nonZeros == items.Length && keptUsers == userIndex.Length && keptItems == itemIndex.Length)
        {
            // Nothing merged or filtered (the usual case for clean data): the sorted arrays are the matrix.
            return (new CsrMatrix(keptUsers, keptItems, rowPointers, items, values), times);
        }

        var newPointers = new int[keptUsers + 1];
        var newItems = new int[nonZeros];
        var newValues = new float[nonZeros];
        var newTimes = times is null ? null : new long[nonZeros];
        var write = 0;
        for (var u = 0; u < userIndex.Length; u++)
        {
            var row = userIndex[u];
            if (row < 0)
            {
                continue;
            }

            newPointers[row] = write;
            for (var k = rowPointers[u]; k < rowPointers[u + 1]; k++)
            {
                // Renumbering keeps relative order, so the row stays sorted.
                var column = itemIndex[items[k]];
                if (column < 0)
                {
                    continue;
                }

                newItems[write] = column;
                newValues[write] = values[k];
                if (newTimes is not null)
                {
                    newTimes[write] = times![k];
                }

                write++;
            }
        }

        newPointers[keptUsers] = write;
        return (new CsrMatrix(keptUsers, keptItems, newPointers, newItems, newValues), newTimes);
    }
}
