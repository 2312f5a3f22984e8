using System.Collections.Immutable;
using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Log;

/// <summary>A decoded log record.</summary>
public abstract record LogEntry(long Sequence, DateTimeOffset AppendedAt);

/// <summary>The events of one batch (or one part of it) in this partition.</summary>
public sealed record EventsEntry(long Sequence, DateTimeOffset AppendedAt, Guid BatchId, int PartCount, ImmutableArray<int> Partitions, ImmutableArray<LoggedEvent> Events)
    : LogEntry(Sequence, AppendedAt)
{
    /// <summary>Whether the batch has parts in other partitions (and so needs a commit to be visible).</summary>
    public bool IsMultiPart => PartCount > 1;
}

/// <summary>A multi-part batch's decision in this partition.</summary>
public sealed record DecisionEntry(long Sequence, DateTimeOffset AppendedAt, Guid BatchId, bool Committed) : LogEntry(Sequence, AppendedAt);

/// <summary>
/// An erasure. <see cref="UserId"/> is null once compaction has removed everything it erased: then only the hash of the
/// id remains, and the popularity contributions it subtracted are gone too.
/// </summary>
public sealed record TombstoneEntry(long Sequence, DateTimeOffset AppendedAt, string? UserId, UInt128 UserHash, ImmutableArray<PopularityHit> Contributions)
    : LogEntry(Sequence, AppendedAt);
