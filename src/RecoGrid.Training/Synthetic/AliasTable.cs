namespace RecoGrid.Training.Synthetic;

/// <summary>Vose's alias table: O(1) draws from a fixed discrete distribution over <c>outcomes</c>.</summary>
internal sealed class AliasTable
{
    private readonly double[] _probability;
    private readonly int[] _alias;
    private readonly int[] _outcomes;

    public AliasTable(int[] outcomes, double[] weights)
    {
        var n = outcomes.Length;
        _outcomes = outcomes;
        _probability = new double[n];
        _alias = new int[n];
        var total = 0.0;
        foreach (var w in weights)
        {
            total += w;
        }

        var scaled = new double[n];
        var small = new Stack<int>();
        var large = new Stack<int>();
        for (var i = 0; i < n; i++)
        {
            scaled[i] = weights[i] * n / total;
            (scaled[i] < 1.0 ? small : large).Push(i);
        }

        while (small.Count > 0 && large.Count > 0)
        {
            var s = small.Pop();
            var l = large.Pop();
            _probability[s] = scaled[s];
            _alias[s] = l;
            scaled[l] = scaled[l] + scaled[s] - 1.0;
            (scaled[l] < 1.0 ? small : large).Push(l);
        }

        // Leftovers are 1 up to rounding.
        foreach (var i in large)
        {
            _probability[i] = 1.0;
        }

        foreach (var i in small)
        {
            _probability[i] = 1.0;
        }
    }

    public int Count => _outcomes.Length;

    public int Sample(ref SplitRandom random)
    {
        var column = random.NextInt(_probability.Length);
        return _outcomes[random.NextDouble() < _probability[column] ? column : _alias[column]];
    }
}
