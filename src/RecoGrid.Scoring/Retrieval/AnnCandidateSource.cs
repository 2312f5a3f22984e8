using System.Buffers;

namespace RecoGrid.Scoring.Retrieval;

/// <summary>
/// Candidates from the model version's ANN index: the nearest <see cref="ScoringOptions.AnnCandidates"/> items by
/// inner product (more when the request asks for more than a quarter of that), then, while filters leave fewer than
/// the request needs, four times as many up to <see cref="ScoringOptions.MaxAnnCandidates"/>, and finally a search
/// that visits only items passing the filters.
/// </summary>
public sealed class AnnCandidateSource : ICandidateSource
{
    public const string SourceName = "ann";

    private const int Growth = 4;

    public string Name => SourceName;

    public async ValueTask CollectAsync(CandidateQuery query, CandidateSet candidates, CancellationToken cancellationToken)
    {
        var index = query.Model.AnnIndex;
        if (index is null || index.Count == 0)
        {
            return;
        }

        var options = query.Options;
        var limit = (int)Math.Min(index.Count, Math.Max(options.AnnCandidates, (long)query.Count * options.OverFetchFactor));

        // Off the caller's thread: a search is a few hundred microseconds of native work, and callers may be grain turns.
        await Task.Run(async () =>
        {
            using var lease = await index.EnterAsync(cancellationToken);
            var indices = ArrayPool<int>.Shared.Rent(Math.Max(limit, Math.Min(index.Count, options.MaxAnnCandidates)));
            var scores = ArrayPool<float>.Shared.Rent(indices.Length);
            try
            {
                while (true)
                {
                    var found = lease.Search(query.UserVector.Span, limit, indices, scores);
                    for (var i = 0; i < found; i++)
                    {
                        candidates.Add(indices[i], SourceName);
                    }

                    if (candidates.Count >= query.Count || found < limit || limit >= index.Count)
                    {
                        return;
                    }

                    var next = (int)Math.Min(Math.Min(index.Count, options.MaxAnnCandidates), (long)limit * Growth);
                    if (next <= limit)
                    {
                        break;
                    }

                    limit = next;
                }

                // Filters reject most neighbours: search again among the items they accept only.
                var wanted = Math.Min(indices.Length, Math.Max(query.Count * options.OverFetchFactor, options.AnnCandidates));
                var filtered = lease.Search(query.UserVector.Span, wanted, indices, scores, item => !candidates.Contains(item) && candidates.Accepts(item));
                for (var i = 0; i < filtered; i++)
                {
                    candidates.Add(indices[i], SourceName);
                }
            }
            finally
            {
                ArrayPool<int>.Shared.Return(indices);
                ArrayPool<float>.Shared.Return(scores);
            }
        }, cancellationToken);
    }
}
