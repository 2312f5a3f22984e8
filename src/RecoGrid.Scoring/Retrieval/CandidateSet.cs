namespace RecoGrid.Scoring.Retrieval;

/// <summary>
/// The distinct candidates of one request that may be returned: not excluded (seen, or listed in the request), available
/// and accepted by the request's filter (category, catalogue availability). Filtering happens here, before ranking, so
/// sources can tell whether the request would starve and fetch more.
/// </summary>
public sealed class CandidateSet
{
    private readonly ScoringModel _model;
    private readonly IReadOnlySet<int> _excluded;
    private readonly Func<int, bool>? _filter;
    private readonly HashSet<int> _seen = [];
    private readonly List<int> _accepted = [];
    private readonly Dictionary<string, int> _bySource = new(StringComparer.Ordinal);

    public CandidateSet(ScoringModel model, IReadOnlySet<int> excluded, Func<int, bool>? filter)
    {
        _model = model;
        _excluded = excluded;
        _filter = filter;
    }

    /// <summary>Candidates that passed the filters, in the order they were added.</summary>
    public IReadOnlyList<int> Items => _accepted;

    public int Count => _accepted.Count;

    /// <summary>Candidates offered that the filters turned away (for statistics).</summary>
    public int Rejected { get; private set; }

    /// <summary>How many accepted candidates each source contributed first.</summary>
    public IReadOnlyDictionary<string, int> BySource => _bySource;

    /// <summary>Whether <paramref name="index"/> may be returned to this request (ignores whether it is already in the set).</summary>
    public bool Accepts(int index) =>
        (uint)index < (uint)_model.ItemCount && !_excluded.Contains(index) && _model.IsAvailable(index) && (_filter is null || _filter(index));

    /// <summary>Whether <paramref name="index"/> was already offered (accepted or not).</summary>
    public bool Contains(int index) => _seen.Contains(index);

    /// <summary>Offers a candidate from <paramref name="source"/>; true when it was new and passed the filters.</summary>
    public bool Add(int index, string source)
    {
        if (!_seen.Add(index))
        {
            return false;
        }

        if (!Accepts(index))
        {
            Rejected++;
            return false;
        }

        _accepted.Add(index);
        _bySource[source] = _bySource.GetValueOrDefault(source) + 1;
        return true;
    }
}
