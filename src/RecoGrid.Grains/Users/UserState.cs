using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Users;

/// <summary>The persisted state of one user.</summary>
[GenerateSerializer, Alias("recogrid.user-state.v1")]
public sealed class UserState
{
    /// <summary>Most recent interactions, oldest first, bounded by <c>Users:RecentCapacity</c>.</summary>
    [Id(0)] public List<Interaction> Recent { get; set; } = [];

    /// <summary>Event count per event type, over the user's whole history.</summary>
    [Id(1)] public Dictionary<string, long> Counters { get; set; } = [];

    [Id(2)] public long TotalEvents { get; set; }

    [Id(3)] public DateTimeOffset? FirstSeen { get; set; }

    [Id(4)] public DateTimeOffset? LastSeen { get; set; }

    /// <summary>The user's factor vector, valid only for <see cref="ModelVersion"/>.</summary>
    [Id(5)] public float[]? Vector { get; set; }

    [Id(6)] public string? ModelVersion { get; set; }

    /// <summary>The first sequence of the user's log partition not yet applied: every earlier record of the user is in this state.</summary>
    [Id(7)] public long LogPosition { get; set; }

    /// <summary>Whether <see cref="Vector"/> predates the latest events (it is folded in again before the next ranking).</summary>
    [Id(8)] public bool VectorStale { get; set; }

    /// <summary>The model version whose erased-set was last consulted for this user (see <see cref="TrainedErased"/>).</summary>
    [Id(9)] public string? ErasureCheckedVersion { get; set; }

    /// <summary>Whether the user was erased after <see cref="ErasureCheckedVersion"/> was trained: its trained vector and history are not used.</summary>
    [Id(10)] public bool TrainedErased { get; set; }

    /// <summary>Whether <see cref="Vector"/> is the trained one from the model artifact (else a fold-in of <see cref="Recent"/>).</summary>
    [Id(11)] public bool VectorTrained { get; set; }
}
