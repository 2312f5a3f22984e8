namespace RecoGrid.LoadTest.Simulation;

/// <summary>What the simulated population looks like.</summary>
internal sealed record PopulationSettings(
    int Users,
    int Items,
    double UserSkew,
    double ItemSkew,
    double NewUsersPerSecond,
    double SessionLength,
    int EventsPerRequest,
    RequestMix Mix,
    string UserPrefix,
    string ItemPrefix,
    int Seed);

/// <summary>One request the population wants sent.</summary>
internal readonly record struct SimulatedRequest(Endpoint Endpoint, string UserId, string[]? ItemIds, string[]? EventTypes);

/// <summary>The endpoints the load test measures.</summary>
internal enum Endpoint
{
    Events,
    Recommendations,
}

/// <summary>
/// A population of users with Zipf activity (a few users very active, most rarely seen) over a catalogue with Zipf item
/// popularity. Requests come in sessions: a user sends a few event batches and then asks for recommendations, and the
/// share of each kind across sessions is the mix. New users (ids past the initial population) arrive at a steady rate.
/// Thread-safe: callers share one instance; each draw takes a short lock (far cheaper than the HTTP call it feeds).
/// </summary>
internal sealed class Population
{
    private static readonly string[] Types = ["view", "view", "view", "click", "click", "add-to-cart", "purchase"];

    // Sessions open at once: enough that consecutive requests rarely come from the same user, few enough to stay small.
    private const int OpenSessions = 1024;

    private readonly PopulationSettings _settings;
    private readonly Random _random;
    private readonly ZipfSampler _users;
    private readonly ZipfSampler _items;
    private readonly Session?[] _sessions = new Session?[OpenSessions];
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly DateTime _started;
    private readonly ulong[] _seen;
    private long _newUsers;
    private long _distinctUsers;

    public Population(PopulationSettings settings, TimeProvider? time = null)
    {
        _settings = settings;
        _random = new Random(settings.Seed);
        _users = new ZipfSampler(settings.Users, settings.UserSkew, _random);
        _items = new ZipfSampler(settings.Items, settings.ItemSkew, _random);
        _time = time ?? TimeProvider.System;
        _started = _time.GetUtcNow().UtcDateTime;
        _seen = new ulong[(settings.Users + 63) / 64];

        // Start in the steady state: each open session part-way through, so a short run sees the mix it asked for
        // rather than a burst of sessions' first steps (their event batches).
        for (var i = 0; i < OpenSessions; i++)
        {
            var session = NewSession();
            for (var skip = _random.Next(session.Remaining.Count); skip > 0; skip--)
            {
                session.Remaining.Dequeue();
            }

            _sessions[i] = session;
        }
    }

    /// <summary>New users that have arrived so far.</summary>
    public long NewUsers => Interlocked.Read(ref _newUsers);

    /// <summary>Distinct users whose sessions have started so far (the initial population's and new ones).</summary>
    public long DistinctUsers => Interlocked.Read(ref _distinctUsers);

    /// <summary>The next request of a random open session (a finished session is replaced by a new one).</summary>
    public SimulatedRequest Next()
    {
        lock (_gate)
        {
            var slot = _random.Next(OpenSessions);
            var session = _sessions[slot];
            if (session is null || session.Remaining.Count == 0)
            {
                session = _sessions[slot] = NewSession();
            }

            var endpoint = session.Remaining.Dequeue();
            if (endpoint == Endpoint.Recommendations)
            {
                return new SimulatedRequest(endpoint, session.UserId, null, null);
            }

            var items = new string[_settings.EventsPerRequest];
            var types = new string[items.Length];
            for (var i = 0; i < items.Length; i++)
            {
                items[i] = _settings.ItemPrefix + _items.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
                types[i] = Types[_random.Next(Types.Length)];
            }

            return new SimulatedRequest(endpoint, session.UserId, items, types);
        }
    }

    private Session NewSession()
    {
        // Session length: 1 + geometric, mean SessionLength; each step's kind by the mix, events first.
        var steps = 1;
        var p = 1.0 / Math.Max(1.0, _settings.SessionLength);
        while (_random.NextDouble() > p && steps < 1000)
        {
            steps++;
        }

        var events = 0;
        for (var i = 0; i < steps; i++)
        {
            events += _random.NextDouble() < _settings.Mix.Events ? 1 : 0;
        }

        var queue = new Queue<Endpoint>(steps);
        for (var i = 0; i < steps; i++)
        {
            queue.Enqueue(i < events ? Endpoint.Events : Endpoint.Recommendations);
        }

        return new Session(PickUser(), queue);
    }

    private string PickUser()
    {
        var elapsed = (_time.GetUtcNow().UtcDateTime - _started).TotalSeconds;
        var due = (long)(elapsed * _settings.NewUsersPerSecond);
        long index;
        if (Interlocked.Read(ref _newUsers) < due)
        {
            index = _settings.Users + Interlocked.Increment(ref _newUsers) - 1;
            Interlocked.Increment(ref _distinctUsers);
        }
        else
        {
            index = _users.Next();
            ref var word = ref _seen[index >> 6];
            var bit = 1UL << (int)(index & 63);
            if ((word & bit) == 0)
            {
                word |= bit;
                Interlocked.Increment(ref _distinctUsers);
            }
        }

        return _settings.UserPrefix + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed record Session(string UserId, Queue<Endpoint> Remaining);
}
