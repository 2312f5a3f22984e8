using RecoGrid.Scoring;

namespace RecoGrid.Cli.Bench;

/// <summary>Seeded random user vectors and exclusion lists, shared by every measured path so they do the same work.</summary>
internal sealed class ScoringWorkload
{
    public const string ModelVersion = "bench";
    private const int PoolSize = 4096;

    private readonly float[] _users;
    private readonly int[][] _exclusions;
    private readonly ScoringRequest[] _requests;

    public ScoringWorkload(ScoringBenchSettings settings, Random random)
    {
        Factors = settings.Factors;
        Count = settings.Count;
        _users = RandomVectors(PoolSize * settings.Factors, random);
        _exclusions = new int[PoolSize][];
        _requests = new ScoringRequest[PoolSize];
        for (var i = 0; i < PoolSize; i++)
        {
            _exclusions[i] = Enumerable.Range(0, settings.Exclusions).Select(_ => random.Next(settings.Items)).ToArray();
            _requests[i] = new ScoringRequest
            {
                ModelVersion = ModelVersion,
                UserVector = _users.AsMemory(i * Factors, Factors),
                Count = settings.Count,
                ExcludeItemIndices = _exclusions[i],
            };
        }
    }

    public int Factors { get; }

    public int Count { get; }

    public static float[] RandomVectors(int length, Random random)
    {
        var values = new float[length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1) * 0.3f;
        }

        return values;
    }

    public ScoringRequest Request(int i) => _requests[i % PoolSize];

    /// <summary>Rows [start, start + batch) of the pool (wrapping), as the raw ONNX Runtime path takes them.</summary>
    public (float[] Users, ReadOnlyMemory<int>[] Exclusions) Block(int start, int batch)
    {
        var users = new float[batch * Factors];
        var exclusions = new ReadOnlyMemory<int>[batch];
        for (var row = 0; row < batch; row++)
        {
            var i = (start + row) % PoolSize;
            _users.AsSpan(i * Factors, Factors).CopyTo(users.AsSpan(row * Factors));
            exclusions[row] = _exclusions[i];
        }

        return (users, exclusions);
    }
}
