namespace RecoGrid.Training.Data;

/// <summary>
/// Maps string ids to dense ints in first-seen order. Lookups take a span, so a string is
/// allocated once per distinct id rather than once per row.
/// </summary>
internal sealed class IdMap
{
    private readonly Dictionary<string, int> _indices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly List<string> _ids = [];

    public IdMap() => _lookup = _indices.GetAlternateLookup<ReadOnlySpan<char>>();

    public int Count => _ids.Count;

    public int GetOrAdd(ReadOnlySpan<char> id)
    {
        if (_lookup.TryGetValue(id, out var index))
        {
            return index;
        }

        var text = id.ToString();
        index = _ids.Count;
        _indices.Add(text, index);
        _ids.Add(text);
        return index;
    }

    /// <summary>The ids whose index is kept, in index order.</summary>
    public string[] Select(int[] newIndex, int keptCount)
    {
        var result = new string[keptCount];
        for (var i = 0; i < _ids.Count; i++)
        {
            if (newIndex[i] >= 0)
            {
                result[newIndex[i]] = _ids[i];
            }
        }

        return result;
    }
}
